import { keccak256 } from "@knode/crypto";
import type { Log } from "@knode/types";

const BLOOM_BYTES = 256;

/** Sets the three bits keccak(item) selects: the low 11 bits of each of its first three byte pairs. */
function addToBloom(bloom: Uint8Array, item: Uint8Array): void {
  const h = keccak256(item);
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i] << 8) | h[i + 1]) & 2047;
    bloom[BLOOM_BYTES - 1 - (bit >> 3)] |= 1 << (bit & 7);
  }
}

/** A receipt's 2048-bit logs bloom over every log's address and topics (the yellow paper's M3:2048). */
export function logsBloom(logs: readonly Log[]): Uint8Array {
  const bloom = new Uint8Array(BLOOM_BYTES);
  for (const log of logs) {
    addToBloom(bloom, log.address);
    for (const topic of log.topics) addToBloom(bloom, topic);
  }
  return bloom;
}

import { keccak256 } from "@knode/crypto";
import type { Log } from "./model.js";

export const BLOOM_BYTES = 256;
/** Shared, never to be mutated: callers that build a bloom allocate their own. */
export const EMPTY_BLOOM: Uint8Array = new Uint8Array(BLOOM_BYTES);

/** Ethereum's 2048-bit bloom: three 11-bit indexes from the first six bytes of keccak(item). */
function bloomBits(item: Uint8Array): [number, number, number] {
  const h = keccak256(item);
  return [((h[0] << 8) | h[1]) & 2047, ((h[2] << 8) | h[3]) & 2047, ((h[4] << 8) | h[5]) & 2047];
}

export function bloomAdd(bloom: Uint8Array, item: Uint8Array): void {
  for (const bit of bloomBits(item)) bloom[BLOOM_BYTES - 1 - (bit >> 3)] |= 1 << (bit & 7);
}

export function bloomMayContain(bloom: Uint8Array, item: Uint8Array): boolean {
  for (const bit of bloomBits(item)) {
    if ((bloom[BLOOM_BYTES - 1 - (bit >> 3)] & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}

/** Bloom over every log's address and topics. */
export function logsBloom(logs: Log[]): Uint8Array {
  const bloom = new Uint8Array(BLOOM_BYTES);
  for (const log of logs) {
    bloomAdd(bloom, log.address);
    for (const t of log.topics) bloomAdd(bloom, t);
  }
  return bloom;
}

/** OR of several blooms (a block's bloom from its receipts). */
export function mergeBlooms(blooms: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(BLOOM_BYTES);
  for (const b of blooms) for (let i = 0; i < BLOOM_BYTES; i++) out[i] |= b[i];
  return out;
}

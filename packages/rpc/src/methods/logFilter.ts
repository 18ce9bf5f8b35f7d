import { equalBytes } from "@knode/common";
import type { Log, StoredReceipt, Transaction } from "@knode/types";
import { formatLog, type Json } from "../format/common.js";
import type { LogFilter } from "../validators.js";

export type Keccak = (data: Uint8Array) => Uint8Array;

/** The three (byte index, mask) pairs an item sets in a 2048-bit logs bloom. */
type BloomBits = [number, number, number, number, number, number];

function bloomBits(item: Uint8Array, keccak: Keccak): BloomBits {
  const h = keccak(item);
  const out: number[] = [];
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i] << 8) | h[i + 1]) & 2047;
    out.push(255 - (bit >> 3), 1 << (bit & 7));
  }
  return out as BloomBits;
}

function bloomHas(bloom: Uint8Array, b: BloomBits): boolean {
  return (bloom[b[0]] & b[1]) !== 0 && (bloom[b[2]] & b[3]) !== 0 && (bloom[b[4]] & b[5]) !== 0;
}

/** A filter with its bloom bits computed once, so scanning thousands of headers hashes nothing. */
export interface CompiledLogFilter {
  filter: LogFilter;
  /** One group per constrained criterion; a block may match if every group has a member in its bloom. */
  bloomGroups: BloomBits[][];
}

export function compileLogFilter(filter: LogFilter, keccak: Keccak): CompiledLogFilter {
  const bloomGroups: BloomBits[][] = [];
  if (filter.addresses.length > 0) bloomGroups.push(filter.addresses.map((a) => bloomBits(a, keccak)));
  for (const t of filter.topics) if (t) bloomGroups.push(t.map((x) => bloomBits(x, keccak)));
  return { filter, bloomGroups };
}

export function bloomMayMatch(c: CompiledLogFilter, bloom: Uint8Array): boolean {
  if (bloom.length !== 256) return true;
  for (const group of c.bloomGroups) {
    let any = false;
    for (const bits of group) {
      if (bloomHas(bloom, bits)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

export function logMatches(filter: LogFilter, log: Log): boolean {
  if (filter.addresses.length > 0 && !filter.addresses.some((a) => equalBytes(a, log.address))) return false;
  // geth: a log with fewer topics than the filter names never matches, even for trailing wildcards.
  if (filter.topics.length > log.topics.length) return false;
  for (let i = 0; i < filter.topics.length; i++) {
    const want = filter.topics[i];
    if (want && !want.some((t) => equalBytes(t, log.topics[i]))) return false;
  }
  return true;
}

export interface BlockLogSource {
  blockHash: Uint8Array;
  blockNumber: bigint;
  timestamp: bigint;
  transactions: Transaction[];
  receipts: StoredReceipt[];
}

/** Appends the block's matching logs, formatted, to `out`; stops early once `out` exceeds `max`. */
export function collectBlockLogs(filter: LogFilter, src: BlockLogSource, out: Json[], max = Number.MAX_SAFE_INTEGER) {
  let logIndex = 0;
  for (let i = 0; i < src.receipts.length; i++) {
    const logs = src.receipts[i].logs;
    const tx = src.transactions[i];
    for (const log of logs) {
      if (logMatches(filter, log)) {
        out.push(formatLog(log, tx.hash, { ...src, index: i }, logIndex));
        if (out.length > max) return;
      }
      logIndex++;
    }
  }
}

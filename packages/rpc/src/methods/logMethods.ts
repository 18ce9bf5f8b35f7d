import type { Header } from "@knode/types";
import { invalidParams, serverError } from "../errors.js";
import type { Json } from "../format/common.js";
import type { BlockRef, RpcBackend } from "../interface.js";
import { type MethodTable, method } from "../methodTable.js";
import type { RpcLimits } from "../options.js";
import { filterObject, type LogFilter } from "../validators.js";
import { bloomMayMatch, collectBlockLogs, compileLogFilter, type Keccak } from "./logFilter.js";

export async function headerByNumber(
  backend: RpcBackend,
  n: bigint,
): Promise<{ header: Header; hash: Uint8Array } | undefined> {
  if (backend.getHeaderByNumber) return backend.getHeaderByNumber(n);
  const bw = await backend.getBlockByNumber(n);
  return bw && { header: bw.block.header, hash: bw.hash };
}

async function rangeEnd(backend: RpcBackend, ref: BlockRef | undefined, head: bigint): Promise<bigint> {
  if (ref === undefined || ref === "latest" || ref === "pending" || ref === "safe" || ref === "finalized") return head;
  if (ref === "earliest") return 0n;
  if (typeof ref === "bigint") return ref;
  return (await backend.resolveBlockNumber(ref)) ?? head;
}

async function appendBlockLogs(
  backend: RpcBackend,
  blockHash: Uint8Array,
  filter: LogFilter,
  out: Json[],
  max: number,
): Promise<void> {
  const [bw, receipts] = await Promise.all([backend.getBlockByHash(blockHash), backend.getReceipts(blockHash)]);
  if (!bw || !receipts) return;
  const h = bw.block.header;
  collectBlockLogs(
    filter,
    { blockHash, blockNumber: h.number, timestamp: h.timestamp, transactions: bw.block.transactions, receipts },
    out,
    max,
  );
}

export async function getLogs(backend: RpcBackend, filter: LogFilter, limits: RpcLimits, keccak: Keccak) {
  const max = limits.getLogsMaxResults;
  const out: Json[] = [];
  const tooMany = () => serverError(`query returned more than ${max} results`);
  if (filter.blockHash) {
    const bw = await backend.getBlockByHash(filter.blockHash);
    if (!bw) throw serverError("unknown block");
    await appendBlockLogs(backend, filter.blockHash, filter, out, max);
    if (out.length > max) throw tooMany();
    return out;
  }
  const head = backend.headNumber();
  const from = await rangeEnd(backend, filter.fromBlock, head);
  const to = await rangeEnd(backend, filter.toBlock, head);
  if (from > to) throw invalidParams("invalid block range params");
  if (to > head) throw invalidParams("block range extends beyond current head block");
  if (to - from + 1n > BigInt(limits.getLogsBlockRange)) {
    throw serverError(`exceed maximum block range: ${limits.getLogsBlockRange}`);
  }
  const compiled = compileLogFilter(filter, keccak);
  for (let n = from; n <= to; n++) {
    const h = await headerByNumber(backend, n);
    if (!h || !bloomMayMatch(compiled, h.header.logsBloom)) continue;
    await appendBlockLogs(backend, h.hash, filter, out, max);
    if (out.length > max) throw tooMany();
  }
  return out;
}

export function logMethods(backend: RpcBackend, keccak: Keccak): MethodTable {
  return {
    getLogs: method([filterObject], ([filter], ctx) => getLogs(backend, filter, ctx.limits, keccak)),
  };
}

import { bytesToHex, type Hex, toQuantity } from "@knode/common";
import type { Header, Log, StoredReceipt, Transaction } from "@knode/types";
import { TxType } from "@knode/types";

export type Json = Record<string, unknown>;

/** Where a mined transaction sits; null for pool transactions. */
export interface TxBlockContext {
  blockHash: Uint8Array;
  blockNumber: bigint;
  index: number;
  timestamp: bigint;
  baseFee: bigint | undefined;
}

export interface ReceiptContext extends TxBlockContext {
  /** Block-wide index of this receipt's first log. */
  firstLogIndex: number;
}

export const ZERO_HASH: Hex = `0x${"00".repeat(32)}`;

export function hexOrNull(b: Uint8Array | null | undefined): Hex | null {
  return b ? bytesToHex(b) : null;
}

/** What a mined dynamic-fee tx actually paid per gas; pool txs report their fee cap (geth). */
export function txGasPrice(tx: Transaction, ctx: TxBlockContext | null): bigint {
  if (tx.type !== TxType.DynamicFee) return tx.gasPrice;
  if (!ctx || ctx.baseFee === undefined) return tx.maxFeePerGas;
  const withTip = ctx.baseFee + tx.maxPriorityFeePerGas;
  // biome-ignore lint/complexity/useMathMinMax: bigint operands; Math.min does not take them.
  return withTip < tx.maxFeePerGas ? withTip : tx.maxFeePerGas;
}

export function formatAccessList(tx: Transaction): Json[] {
  return tx.accessList.map((e) => ({ address: bytesToHex(e.address), storageKeys: e.storageKeys.map(bytesToHex) }));
}

export function formatLog(
  log: Log,
  txHash: Uint8Array,
  ctx: { blockHash: Uint8Array; blockNumber: bigint; index: number; timestamp: bigint },
  logIndex: number,
): Json {
  return {
    address: bytesToHex(log.address),
    topics: log.topics.map(bytesToHex),
    data: bytesToHex(log.data),
    blockNumber: toQuantity(ctx.blockNumber),
    transactionHash: bytesToHex(txHash),
    transactionIndex: toQuantity(ctx.index),
    blockHash: bytesToHex(ctx.blockHash),
    blockTimestamp: toQuantity(ctx.timestamp),
    logIndex: toQuantity(logIndex),
    removed: false,
  };
}

export function formatReceiptLogs(tx: Transaction, receipt: StoredReceipt, ctx: ReceiptContext): Json[] {
  const out: Json[] = new Array(receipt.logs.length);
  for (let i = 0; i < receipt.logs.length; i++)
    out[i] = formatLog(receipt.logs[i], tx.hash, ctx, ctx.firstLogIndex + i);
  return out;
}

export function blockContext(header: Header, blockHash: Uint8Array, index: number): TxBlockContext {
  return { blockHash, blockNumber: header.number, index, timestamp: header.timestamp, baseFee: header.baseFee };
}

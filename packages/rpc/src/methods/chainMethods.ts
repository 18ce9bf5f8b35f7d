import { toQuantity } from "@knode/common";
import type { StoredReceipt } from "@knode/types";
import { blockContext } from "../format/common.js";
import type { Formatter } from "../format/formatter.js";
import type { BlockRef, BlockWithHash, RpcBackend } from "../interface.js";
import { type MethodTable, method } from "../methodTable.js";
import { blockNumberTag, bool, hash32, uint64 } from "../validators.js";

async function blockByRef(backend: RpcBackend, ref: BlockRef): Promise<BlockWithHash | undefined> {
  const n = await backend.resolveBlockNumber(ref);
  return n === undefined ? undefined : backend.getBlockByNumber(n);
}

function txAt(fmt: Formatter, bw: BlockWithHash | undefined, index: bigint): unknown {
  if (!bw || index >= BigInt(bw.block.transactions.length)) return null;
  const i = Number(index);
  return fmt.transaction(bw.block.transactions[i], blockContext(bw.block.header, bw.hash, i));
}

function logsBefore(receipts: StoredReceipt[], index: number): number {
  let n = 0;
  for (let i = 0; i < index; i++) n += receipts[i].logs.length;
  return n;
}

/** Block, transaction and receipt lookups; registered once per namespace with its formatter. */
export function chainMethods(backend: RpcBackend, fmt: Formatter): MethodTable {
  return {
    getBlockByNumber: method([blockNumberTag, bool], async ([ref, full]) => {
      const bw = await blockByRef(backend, ref);
      return bw ? fmt.block(bw, full) : null;
    }),
    getBlockByHash: method([hash32, bool], async ([hash, full]) => {
      const bw = await backend.getBlockByHash(hash);
      return bw ? fmt.block(bw, full) : null;
    }),
    getBlockTransactionCountByNumber: method([blockNumberTag], async ([ref]) => {
      const bw = await blockByRef(backend, ref);
      return bw ? toQuantity(bw.block.transactions.length) : null;
    }),
    getBlockTransactionCountByHash: method([hash32], async ([hash]) => {
      const bw = await backend.getBlockByHash(hash);
      return bw ? toQuantity(bw.block.transactions.length) : null;
    }),
    getTransactionByBlockNumberAndIndex: method([blockNumberTag, uint64], async ([ref, index]) =>
      txAt(fmt, await blockByRef(backend, ref), index),
    ),
    getTransactionByBlockHashAndIndex: method([hash32, uint64], async ([hash, index]) =>
      txAt(fmt, await backend.getBlockByHash(hash), index),
    ),
    getTransactionByHash: method([hash32], async ([hash]) => {
      const loc = await backend.getTransactionLocation(hash);
      if (loc) {
        const bw = await backend.getBlockByHash(loc.blockHash);
        if (bw) return txAt(fmt, bw, BigInt(loc.index));
      }
      const pooled = backend.getPoolTransaction(hash);
      return pooled ? fmt.transaction(pooled, null) : null;
    }),
    getTransactionReceipt: method([hash32], async ([hash]) => {
      const loc = await backend.getTransactionLocation(hash);
      if (!loc) return null;
      const [bw, receipts] = await Promise.all([
        backend.getBlockByHash(loc.blockHash),
        backend.getReceipts(loc.blockHash),
      ]);
      const tx = bw?.block.transactions[loc.index];
      const receipt = receipts?.[loc.index];
      if (!bw || !tx || !receipts || !receipt) return null;
      const ctx = {
        ...blockContext(bw.block.header, bw.hash, loc.index),
        firstLogIndex: logsBefore(receipts, loc.index),
      };
      return fmt.receipt(tx, receipt, ctx);
    }),
  };
}

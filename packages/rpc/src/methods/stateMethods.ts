import { bytesToHex, toQuantity } from "@knode/common";
import { ExecutionRevertedError, serverError } from "../errors.js";
import type { BlockRef, RpcBackend } from "../interface.js";
import { type MethodTable, method } from "../methodTable.js";
import { address, blockTag, bytes, callObject, optional, storageKey } from "../validators.js";

/** The block a state query reads; geth answers "header not found" for unknown ones. */
export async function stateBlock(backend: RpcBackend, ref: BlockRef): Promise<bigint> {
  const n = await backend.resolveBlockNumber(ref);
  if (n === undefined) throw serverError(typeof ref === "object" ? "header for hash not found" : "header not found");
  return n;
}

/** Account state, execution and submission; identical in every namespace. */
export function stateMethods(backend: RpcBackend): MethodTable {
  const latest = optional(blockTag, "latest");
  return {
    chainId: method([], () => toQuantity(backend.chainId)),
    blockNumber: method([], () => toQuantity(backend.headNumber())),
    gasPrice: method([], () => toQuantity(backend.gasPrice())),
    maxPriorityFeePerGas: method([], () => toQuantity(backend.maxPriorityFeePerGas())),
    syncing: method([], () => {
      const s = backend.syncing();
      if (!s) return false;
      return {
        startingBlock: toQuantity(s.startingBlock),
        currentBlock: toQuantity(s.currentBlock),
        highestBlock: toQuantity(s.highestBlock),
      };
    }),
    getBalance: method([address, latest], async ([addr, ref]) => {
      const account = await backend.getAccount(addr, await stateBlock(backend, ref));
      return toQuantity(account.balance);
    }),
    getTransactionCount: method([address, latest], async ([addr, ref]) => {
      if (ref === "pending") return toQuantity(await backend.getPendingNonce(addr));
      const account = await backend.getAccount(addr, await stateBlock(backend, ref));
      return toQuantity(account.nonce);
    }),
    getCode: method([address, latest], async ([addr, ref]) =>
      bytesToHex(await backend.getCode(addr, await stateBlock(backend, ref))),
    ),
    getStorageAt: method([address, storageKey, latest], async ([addr, slot, ref]) => {
      const value = await backend.getStorageAt(addr, slot, await stateBlock(backend, ref));
      // Always a full word, as geth returns it.
      if (value.length === 32) return bytesToHex(value);
      const word = new Uint8Array(32);
      word.set(value.subarray(Math.max(0, value.length - 32)), Math.max(0, 32 - value.length));
      return bytesToHex(word);
    }),
    call: method([callObject, latest], async ([args, ref], ctx) => {
      const n = await stateBlock(backend, ref);
      const res = await backend.call(args, n, { timeoutMs: ctx.limits.callTimeoutMs, gasCap: ctx.limits.gasCap });
      if (res.reverted) throw new ExecutionRevertedError(res.returnData);
      if (res.error !== undefined) throw serverError(res.error);
      return bytesToHex(res.returnData);
    }),
    estimateGas: method([callObject, latest], async ([args, ref], ctx) => {
      const n = await stateBlock(backend, ref);
      return toQuantity(await backend.estimateGas(args, n, { gasCap: ctx.limits.gasCap }));
    }),
    sendRawTransaction: method([bytes], async ([raw]) => bytesToHex(await backend.sendRawTransaction(raw))),
  };
}

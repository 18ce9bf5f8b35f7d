import type { RunTxResult } from "@ethereumjs/vm";
import { keccak256 } from "@knode/crypto";
import { effectiveGasPrice, type Log, rlpEncode, type StoredReceipt, type Transaction } from "@knode/types";

/** CREATE's address rule: keccak(rlp([sender, nonce]))[12:]. */
export function contractAddressOf(sender: Uint8Array, nonce: bigint): Uint8Array {
  return keccak256(rlpEncode([sender, nonce])).subarray(12);
}

/**
 * The knode receipt of one runTx result. Logs and the bloom are the VM's own arrays (no copies); like
 * geth, a creation tx names its contract address even when the creation failed.
 */
export function toStoredReceipt(
  tx: Transaction,
  sender: Uint8Array,
  res: RunTxResult,
  cumulativeGasUsed: bigint,
  baseFee: bigint,
): StoredReceipt {
  const raw = res.execResult.logs ?? [];
  const logs: Log[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const [address, topics, data] = raw[i];
    logs[i] = { address, topics, data };
  }
  return {
    txType: tx.type,
    status: res.execResult.exceptionError === undefined ? 1 : 0,
    cumulativeGasUsed,
    logsBloom: res.bloom.bitvector,
    logs,
    gasUsed: res.totalGasSpent,
    effectiveGasPrice: effectiveGasPrice(tx, baseFee),
    contractAddress: tx.to === null ? contractAddressOf(sender, tx.nonce) : null,
  };
}

import { keccak256 } from "@knode/crypto";
import { effectiveGasPrice, type Log, rlpEncode, type StoredReceipt, type Transaction } from "@knode/types";

/** CREATE's address rule: keccak(rlp([sender, nonce]))[12:]. */
export function contractAddressOf(sender: Uint8Array, nonce: bigint): Uint8Array {
  return keccak256(rlpEncode([sender, nonce])).subarray(12);
}

/** What executing one transaction produced, as a receipt needs it. */
export interface TxExecution {
  /** 1 success, 0 revert or exceptional halt. */
  status: 0 | 1;
  /** Gas charged to the sender after the refund. */
  gasUsed: bigint;
  /** Empty when the tx failed. */
  logs: Log[];
  logsBloom: Uint8Array;
  /** A creation tx's contract address, named even when the creation failed (as geth does); else null. */
  contractAddress: Uint8Array | null;
}

/** The knode receipt of one executed transaction. */
export function toStoredReceipt(
  tx: Transaction,
  exec: TxExecution,
  cumulativeGasUsed: bigint,
  baseFee: bigint,
): StoredReceipt {
  return {
    txType: tx.type,
    status: exec.status,
    cumulativeGasUsed,
    logsBloom: exec.logsBloom,
    logs: exec.logs,
    gasUsed: exec.gasUsed,
    effectiveGasPrice: effectiveGasPrice(tx, baseFee),
    contractAddress: exec.contractAddress,
  };
}

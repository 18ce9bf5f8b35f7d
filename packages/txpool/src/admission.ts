import { intrinsicGas, type Transaction, TxType } from "@knode/types";
import { TxPoolErrorCode } from "./errors.js";

export interface AdmissionRules {
  chainId: bigint;
  baseFee: bigint;
  maxTxGas: bigint;
  maxTxBytes: number;
  allowUnprotectedTxs: boolean;
}

/**
 * The checks that need neither the sender nor the state, run before the costly signature recovery so
 * that junk never reaches it. Order follows geth's ValidateTransaction.
 */
export function checkStatelessRules(tx: Transaction, rules: AdmissionRules): TxPoolErrorCode | undefined {
  if (tx.raw.length > rules.maxTxBytes) return TxPoolErrorCode.OVERSIZED_DATA;
  if (tx.chainId === undefined) {
    if (tx.type !== TxType.Legacy || !rules.allowUnprotectedTxs) return TxPoolErrorCode.UNPROTECTED;
  } else if (tx.chainId !== rules.chainId) {
    return TxPoolErrorCode.INVALID_CHAIN_ID;
  }
  if (tx.gasLimit > rules.maxTxGas) return TxPoolErrorCode.GAS_LIMIT_EXCEEDED;
  if (tx.maxPriorityFeePerGas > tx.maxFeePerGas) return TxPoolErrorCode.TIP_ABOVE_FEE_CAP;
  if (tx.maxFeePerGas < rules.baseFee) return TxPoolErrorCode.FEE_CAP_BELOW_BASE_FEE;
  if (tx.gasLimit < intrinsicGas(tx)) return TxPoolErrorCode.INTRINSIC_GAS_TOO_LOW;
  return undefined;
}

/** What the sender must hold for the tx to be payable at any base fee up to its cap. */
export function transactionCost(tx: Transaction): bigint {
  return tx.gasLimit * tx.maxFeePerGas + tx.value;
}

/**
 * geth's rule: a same-nonce replacement must raise both the fee cap and the tip, each strictly and by at
 * least `priceBump` percent, so a sender cannot churn the pool (and the network) for free.
 */
export function isReplacementAllowed(old: Transaction, next: Transaction, priceBump: number): boolean {
  if (next.maxFeePerGas <= old.maxFeePerGas || next.maxPriorityFeePerGas <= old.maxPriorityFeePerGas) return false;
  const bump = 100n + BigInt(priceBump);
  return (
    next.maxFeePerGas * 100n >= old.maxFeePerGas * bump &&
    next.maxPriorityFeePerGas * 100n >= old.maxPriorityFeePerGas * bump
  );
}

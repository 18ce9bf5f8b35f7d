import { KnodeError } from "@knode/common";

export enum TxPoolErrorCode {
  ALREADY_KNOWN = "TXPOOL_ALREADY_KNOWN",
  NONCE_TOO_LOW = "TXPOOL_NONCE_TOO_LOW",
  REPLACEMENT_UNDERPRICED = "TXPOOL_REPLACEMENT_UNDERPRICED",
  INSUFFICIENT_FUNDS = "TXPOOL_INSUFFICIENT_FUNDS",
  INTRINSIC_GAS_TOO_LOW = "TXPOOL_INTRINSIC_GAS_TOO_LOW",
  GAS_LIMIT_EXCEEDED = "TXPOOL_GAS_LIMIT_EXCEEDED",
  /** The pool is full and the transaction pays less than the cheapest one it would have to evict. */
  UNDERPRICED = "TXPOOL_UNDERPRICED",
  FEE_CAP_BELOW_BASE_FEE = "TXPOOL_FEE_CAP_BELOW_BASE_FEE",
  TIP_ABOVE_FEE_CAP = "TXPOOL_TIP_ABOVE_FEE_CAP",
  INVALID_SENDER = "TXPOOL_INVALID_SENDER",
  INVALID_CHAIN_ID = "TXPOOL_INVALID_CHAIN_ID",
  UNPROTECTED = "TXPOOL_UNPROTECTED",
  OVERSIZED_DATA = "TXPOOL_OVERSIZED_DATA",
  POOL_FULL = "TXPOOL_FULL",
  /** The sender already holds its maximum of non-executable (future-nonce) transactions. */
  ACCOUNT_LIMIT = "TXPOOL_ACCOUNT_LIMIT",
}

/**
 * geth's error strings, which wallets and libraries match on (ethers maps "nonce too low", "already known",
 * "replacement transaction underpriced" and "insufficient funds" to typed errors), so they are kept verbatim.
 */
export const txPoolErrorMessages: Record<TxPoolErrorCode, string> = {
  [TxPoolErrorCode.ALREADY_KNOWN]: "already known",
  [TxPoolErrorCode.NONCE_TOO_LOW]: "nonce too low",
  [TxPoolErrorCode.REPLACEMENT_UNDERPRICED]: "replacement transaction underpriced",
  [TxPoolErrorCode.INSUFFICIENT_FUNDS]: "insufficient funds for gas * price + value",
  [TxPoolErrorCode.INTRINSIC_GAS_TOO_LOW]: "intrinsic gas too low",
  [TxPoolErrorCode.GAS_LIMIT_EXCEEDED]: "exceeds block gas limit",
  [TxPoolErrorCode.UNDERPRICED]: "transaction underpriced",
  [TxPoolErrorCode.FEE_CAP_BELOW_BASE_FEE]: "max fee per gas less than block base fee",
  [TxPoolErrorCode.TIP_ABOVE_FEE_CAP]: "max priority fee per gas higher than max fee per gas",
  [TxPoolErrorCode.INVALID_SENDER]: "invalid sender",
  [TxPoolErrorCode.INVALID_CHAIN_ID]: "invalid chain id for signer",
  [TxPoolErrorCode.UNPROTECTED]: "only replay-protected (EIP-155) transactions allowed over RPC",
  [TxPoolErrorCode.OVERSIZED_DATA]: "oversized data",
  [TxPoolErrorCode.POOL_FULL]: "txpool is full",
  // geth's blob pool wording for the same per-account cap.
  [TxPoolErrorCode.ACCOUNT_LIMIT]: "account limit exceeded",
};

export type TxPoolErrorType = { code: TxPoolErrorCode; hash?: string };

export class TxPoolError extends KnodeError<TxPoolErrorType> {
  constructor(type: TxPoolErrorType, message?: string) {
    super(type, message ?? txPoolErrorMessages[type.code]);
    this.name = "TxPoolError";
  }
}

export function txPoolError(code: TxPoolErrorCode, hash?: string): TxPoolError {
  return new TxPoolError(hash === undefined ? { code } : { code, hash });
}

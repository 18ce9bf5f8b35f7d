import { KnodeError } from "@knode/common";

export enum ChainErrorCode {
  GENESIS_MISMATCH = "CHAIN_GENESIS_MISMATCH",
  NOT_INITIALIZED = "CHAIN_NOT_INITIALIZED",
  UNKNOWN_PARENT = "CHAIN_UNKNOWN_PARENT",
  NOT_HEAD_CHILD = "CHAIN_NOT_HEAD_CHILD",
  STATE_ROOT_MISMATCH = "CHAIN_STATE_ROOT_MISMATCH",
  TX_ROOT_MISMATCH = "CHAIN_TX_ROOT_MISMATCH",
  RECEIPTS_ROOT_MISMATCH = "CHAIN_RECEIPTS_ROOT_MISMATCH",
  GAS_USED_MISMATCH = "CHAIN_GAS_USED_MISMATCH",
  BLOOM_MISMATCH = "CHAIN_BLOOM_MISMATCH",
  BASE_FEE_MISMATCH = "CHAIN_BASE_FEE_MISMATCH",
  CORRUPT = "CHAIN_CORRUPT",
}

export type ChainErrorType =
  | { code: ChainErrorCode.GENESIS_MISMATCH; stored: string; given: string }
  | { code: ChainErrorCode.NOT_INITIALIZED }
  | { code: ChainErrorCode.UNKNOWN_PARENT; parent: string }
  | { code: ChainErrorCode.NOT_HEAD_CHILD; number: string }
  | { code: ChainErrorCode.STATE_ROOT_MISMATCH; expected: string; actual: string }
  | { code: ChainErrorCode.TX_ROOT_MISMATCH; expected: string; actual: string }
  | { code: ChainErrorCode.RECEIPTS_ROOT_MISMATCH; expected: string; actual: string }
  | { code: ChainErrorCode.GAS_USED_MISMATCH; expected: string; actual: string }
  | { code: ChainErrorCode.BLOOM_MISMATCH }
  | { code: ChainErrorCode.BASE_FEE_MISMATCH }
  | { code: ChainErrorCode.CORRUPT; what: string };

export class ChainError extends KnodeError<ChainErrorType> {}

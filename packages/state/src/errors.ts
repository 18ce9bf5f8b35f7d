import { KnodeError } from "@knode/common";

export enum StateErrorCode {
  /** The requested state root is not in the database (pruned, never written, or a wrong hash). */
  MISSING_ROOT = "STATE_MISSING_ROOT",
  INVALID_ADDRESS = "STATE_INVALID_ADDRESS",
  INVALID_SLOT = "STATE_INVALID_SLOT",
  NEGATIVE_BALANCE = "STATE_NEGATIVE_BALANCE",
  /** commit() while the EVM still holds an open checkpoint: the root would mix committed and pending txs. */
  OPEN_CHECKPOINT = "STATE_OPEN_CHECKPOINT",
}

export type StateErrorType =
  | { code: StateErrorCode.MISSING_ROOT; root: string }
  | { code: StateErrorCode.INVALID_ADDRESS; address: string }
  | { code: StateErrorCode.INVALID_SLOT; length: number }
  | { code: StateErrorCode.NEGATIVE_BALANCE; address: string }
  | { code: StateErrorCode.OPEN_CHECKPOINT };

export class StateError extends KnodeError<StateErrorType> {
  constructor(type: StateErrorType, message?: string) {
    super(type, message);
    this.name = "StateError";
  }
}

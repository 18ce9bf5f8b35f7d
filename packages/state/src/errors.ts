import { KnodeError } from "@knode/common";

export enum StateErrorCode {
  /** The requested state root is not in the database (pruned, never written, or a wrong hash). */
  MISSING_ROOT = "STATE_MISSING_ROOT",
  INVALID_ADDRESS = "STATE_INVALID_ADDRESS",
  INVALID_SLOT = "STATE_INVALID_SLOT",
  NEGATIVE_BALANCE = "STATE_NEGATIVE_BALANCE",
  /** commit() while the EVM still holds an open checkpoint: the root would mix committed and pending txs. */
  OPEN_CHECKPOINT = "STATE_OPEN_CHECKPOINT",
  /** A trie node referenced by hash is not in the node reader (pruned, never written, or a wrong root). */
  MISSING_TRIE_NODE = "STATE_MISSING_TRIE_NODE",
  /** Stored trie node bytes are not a well-formed leaf, extension or branch. */
  INVALID_TRIE_NODE = "STATE_INVALID_TRIE_NODE",
  /** An account names a code hash whose code is not in the database. */
  MISSING_CODE = "STATE_MISSING_CODE",
  /** A StateManagerInterface operation a block state does not offer (it has one fixed base). */
  UNSUPPORTED = "STATE_UNSUPPORTED",
}

export type StateErrorType =
  | { code: StateErrorCode.MISSING_ROOT; root: string }
  | { code: StateErrorCode.INVALID_ADDRESS; address: string }
  | { code: StateErrorCode.INVALID_SLOT; length: number }
  | { code: StateErrorCode.NEGATIVE_BALANCE; address: string }
  | { code: StateErrorCode.OPEN_CHECKPOINT }
  | { code: StateErrorCode.MISSING_TRIE_NODE; hash: string }
  | { code: StateErrorCode.INVALID_TRIE_NODE; reason: string }
  | { code: StateErrorCode.MISSING_CODE; codeHash: string }
  | { code: StateErrorCode.UNSUPPORTED; operation: string };

export class StateError extends KnodeError<StateErrorType> {
  constructor(type: StateErrorType, message?: string) {
    super(type, message);
    this.name = "StateError";
  }
}

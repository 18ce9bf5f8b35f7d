import { KnodeError } from "@knode/common";

export enum ConsensusErrorCode {
  INVALID_EXTRA = "CONSENSUS_INVALID_EXTRA",
  INVALID_SEAL = "CONSENSUS_INVALID_SEAL",
  UNAUTHORIZED_PROPOSER = "CONSENSUS_UNAUTHORIZED_PROPOSER",
  INVALID_COMMITTED_SEAL = "CONSENSUS_INVALID_COMMITTED_SEAL",
  INSUFFICIENT_COMMITTED_SEALS = "CONSENSUS_INSUFFICIENT_COMMITTED_SEALS",
  INVALID_TIMESTAMP = "CONSENSUS_INVALID_TIMESTAMP",
  INVALID_PARENT = "CONSENSUS_INVALID_PARENT",
  INVALID_BLOCKSCORE = "CONSENSUS_INVALID_BLOCKSCORE",
  DOUBLE_SIGN_REFUSED = "CONSENSUS_DOUBLE_SIGN_REFUSED",
  WAL_CORRUPT = "CONSENSUS_WAL_CORRUPT",
  NOT_A_VALIDATOR = "CONSENSUS_NOT_A_VALIDATOR",
  COUNCIL_UNSUPPORTED = "CONSENSUS_COUNCIL_UNSUPPORTED",
  INVALID_MESSAGE = "CONSENSUS_INVALID_MESSAGE",
  MESSAGE_TOO_LARGE = "CONSENSUS_MESSAGE_TOO_LARGE",
  BAD_SIGNATURE = "CONSENSUS_BAD_SIGNATURE",
  INVALID_VALIDATORS = "CONSENSUS_INVALID_VALIDATORS",
}

export type ConsensusErrorType =
  | { code: ConsensusErrorCode.INVALID_EXTRA; reason: string }
  | { code: ConsensusErrorCode.INVALID_SEAL; reason: string }
  | { code: ConsensusErrorCode.UNAUTHORIZED_PROPOSER; proposer: string }
  | { code: ConsensusErrorCode.INVALID_COMMITTED_SEAL; index: number; reason: string }
  | { code: ConsensusErrorCode.INSUFFICIENT_COMMITTED_SEALS; have: number; need: number }
  | { code: ConsensusErrorCode.INVALID_TIMESTAMP; reason: string }
  | { code: ConsensusErrorCode.INVALID_PARENT; reason: string }
  | { code: ConsensusErrorCode.INVALID_BLOCKSCORE; value: string }
  | { code: ConsensusErrorCode.DOUBLE_SIGN_REFUSED; height: string; round: number; kind: string }
  | { code: ConsensusErrorCode.WAL_CORRUPT; path: string; reason: string }
  | { code: ConsensusErrorCode.NOT_A_VALIDATOR; address: string }
  | { code: ConsensusErrorCode.COUNCIL_UNSUPPORTED; size: number }
  | { code: ConsensusErrorCode.INVALID_MESSAGE; reason: string }
  | { code: ConsensusErrorCode.MESSAGE_TOO_LARGE; size: number; max: number }
  | { code: ConsensusErrorCode.BAD_SIGNATURE; reason: string }
  | { code: ConsensusErrorCode.INVALID_VALIDATORS; reason: string };

export class ConsensusError extends KnodeError<ConsensusErrorType> {}

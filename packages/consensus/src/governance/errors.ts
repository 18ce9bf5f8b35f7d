import { KnodeError } from "@knode/common";

export enum GovernanceErrorCode {
  NOT_GOVERNING_NODE = "GOVERNANCE_NOT_GOVERNING_NODE",
  UNKNOWN_KEY = "GOVERNANCE_UNKNOWN_KEY",
  INVALID_VALUE = "GOVERNANCE_INVALID_VALUE",
  INVALID_VOTE_DATA = "GOVERNANCE_INVALID_VOTE_DATA",
}

export type GovernanceErrorType =
  | { code: GovernanceErrorCode.NOT_GOVERNING_NODE; mode: string }
  | { code: GovernanceErrorCode.UNKNOWN_KEY; key: string }
  | { code: GovernanceErrorCode.INVALID_VALUE; key: string; reason: string }
  | { code: GovernanceErrorCode.INVALID_VOTE_DATA; reason: string };

export class GovernanceError extends KnodeError<GovernanceErrorType> {}

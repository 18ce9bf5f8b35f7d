import { KnodeError } from "@knode/common";
import { decodeRevertReason } from "./revertReason.js";

export enum EvmErrorCode {
  /** A transaction of an imported block cannot be applied: the block is invalid. */
  INVALID_BLOCK_TX = "EVM_INVALID_BLOCK_TX",
  /** eth_estimateGas: the call fails (without reverting) even at the highest allowed gas. */
  GAS_REQUIRED_EXCEEDS_ALLOWANCE = "EVM_GAS_REQUIRED_EXCEEDS_ALLOWANCE",
  /** eth_estimateGas: the call cannot start (insufficient funds...) or halts with a non-gas error. */
  EXECUTION_FAILED = "EVM_EXECUTION_FAILED",
  /** A call or estimate ended in REVERT; see ExecutionRevertedError. */
  EXECUTION_REVERTED = "EVM_EXECUTION_REVERTED",
  /** The installed @ethereumjs/evm is not the build our interpreter patches were written for. */
  UNSUPPORTED_EVM_BUILD = "EVM_UNSUPPORTED_EVM_BUILD",
  /** An invariant of the interpreter loop broke: a bug, never a property of the code being run. */
  INTERNAL = "EVM_INTERNAL",
}

export type EvmErrorType =
  | { code: EvmErrorCode.INVALID_BLOCK_TX; index: number; reason: string }
  | { code: EvmErrorCode.GAS_REQUIRED_EXCEEDS_ALLOWANCE; allowance: bigint }
  | { code: EvmErrorCode.EXECUTION_FAILED; reason: string }
  | { code: EvmErrorCode.EXECUTION_REVERTED }
  | { code: EvmErrorCode.UNSUPPORTED_EVM_BUILD; file: string }
  | { code: EvmErrorCode.INTERNAL; reason: string };

export class EvmError extends KnodeError<EvmErrorType> {
  constructor(type: EvmErrorType, message?: string) {
    super(type, message);
    this.name = "EvmError";
  }
}

/**
 * A call that ended in REVERT, carrying the returned data; the message is geth's ("execution reverted" plus
 * the decoded Error(string)/Panic(uint256) reason when there is one).
 */
export class ExecutionRevertedError extends KnodeError<{ code: EvmErrorCode.EXECUTION_REVERTED }> {
  readonly data: Uint8Array;
  readonly reason: string | undefined;

  constructor(data: Uint8Array, reason?: string) {
    const r = reason ?? decodeRevertReason(data);
    super(
      { code: EvmErrorCode.EXECUTION_REVERTED },
      r === undefined ? "execution reverted" : `execution reverted: ${r}`,
    );
    this.name = "ExecutionRevertedError";
    this.data = data;
    this.reason = r;
  }
}

import { CALL_STIPEND, TX_GAS } from "./constants.js";
import { EvmError, EvmErrorCode, ExecutionRevertedError } from "./errors.js";
import type { MessageRejection, MessageResult } from "./message.js";

export type GasAttempt = (gas: bigint) => Promise<MessageResult | MessageRejection>;

export interface EstimateBounds {
  /** The highest gas the estimate may return (gas given, the block limit, the cap and the balance allowance). */
  hi: bigint;
  /** A plain value transfer to an account without code: try 21000 first. */
  plainTransfer: boolean;
  /** geth's eth_estimateGas stops once (hi-lo)/hi is below this; 0.015 there. */
  errorRatio: number;
}

function isRejection(r: MessageResult | MessageRejection): r is MessageRejection {
  return "rejected" in r;
}

/** Whether `gas` is too little; rejections other than "intrinsic gas too low" abort the estimate. */
async function fails(attempt: GasAttempt, gas: bigint): Promise<boolean> {
  const r = await attempt(gas);
  if (!isRejection(r)) return r.reverted || r.error !== undefined;
  if (r.intrinsic) return true;
  throw rejectedAt(gas, r);
}

function rejectedAt(gas: bigint, r: MessageRejection): EvmError {
  return new EvmError(
    { code: EvmErrorCode.EXECUTION_FAILED, reason: r.rejected },
    `failed with ${gas} gas: ${r.rejected}`,
  );
}

/**
 * geth's gas estimator (eth/gasestimator): run once at the highest allowance to learn whether the call can
 * succeed at all and how much it uses, try an optimistic limit from that, then binary-search the smallest
 * limit that does not fail, biased towards the low end since most calls need little more than they use.
 */
export async function estimateGasWith(attempt: GasAttempt, bounds: EstimateBounds): Promise<bigint> {
  let hi = bounds.hi;
  if (bounds.plainTransfer && hi >= TX_GAS && !(await fails(attempt, TX_GAS))) return TX_GAS;

  const top = await attempt(hi);
  if (isRejection(top)) {
    if (top.intrinsic) throw exceedsAllowance(hi);
    throw rejectedAt(hi, top);
  }
  if (top.reverted) throw new ExecutionRevertedError(top.returnData);
  if (top.error !== undefined) {
    if (top.outOfGas) throw exceedsAllowance(hi);
    throw new EvmError({ code: EvmErrorCode.EXECUTION_FAILED, reason: top.error }, top.error);
  }

  // What the unconstrained run used lower-bounds what any successful run needs.
  let lo = top.gasUsed - 1n;
  const optimistic = ((top.gasUsed + top.refund + CALL_STIPEND) * 64n) / 63n;
  if (optimistic < hi) {
    if (await fails(attempt, optimistic)) lo = optimistic;
    else hi = optimistic;
  }
  while (lo + 1n < hi) {
    if (bounds.errorRatio > 0 && Number(hi - lo) / Number(hi) < bounds.errorRatio) break;
    let mid = lo + (hi - lo) / 2n;
    if (mid > lo * 2n) mid = lo * 2n;
    if (await fails(attempt, mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}

function exceedsAllowance(allowance: bigint): EvmError {
  return new EvmError(
    { code: EvmErrorCode.GAS_REQUIRED_EXCEEDS_ALLOWANCE, allowance },
    `gas required exceeds allowance (${allowance})`,
  );
}

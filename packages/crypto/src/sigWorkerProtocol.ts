/**
 * The wire format between PoolSigVerifier and its worker threads. A batch travels as one transferred
 * buffer rather than an array of objects so that posting it costs a pointer move, not a structured clone
 * of hundreds of small arrays.
 */

export const HASH_BYTES = 32;
/** r‖s‖recid. */
export const SIG_BYTES = 65;
/** One job in the request buffer: hash‖signature. */
export const JOB_BYTES = HASH_BYTES + SIG_BYTES;
export const ADDRESS_BYTES = 20;

/** Request: `count` jobs packed back to back, JOB_BYTES each. A zeroed slot has r = 0 and so recovers to null. */
export interface SigTask {
  data: Uint8Array;
  count: number;
  /** Absolute time (ms, see nowMs) the task was posted, for the time-to-worker metric. */
  sentAt: number;
}

/**
 * Response: `count` addresses of ADDRESS_BYTES, then `count` validity bytes (1 = recovered). Keeping the
 * mask apart lets the caller hand out address views without scanning or copying.
 */
export interface SigTaskResult {
  out: Uint8Array;
  receivedAt: number;
  doneAt: number;
}

/** Test-only crash hook; production passes nulls and the worker never looks at job contents. */
export interface SigWorkerData {
  crashHash: Uint8Array | null;
  /** Shared countdown: a worker exits only while it is above zero, so a test can crash once or always. */
  crashBudget: Int32Array | null;
}

export function resultBytes(count: number): number {
  return count * (ADDRESS_BYTES + 1);
}

/**
 * Milliseconds since the epoch with sub-millisecond resolution; comparable across threads because each
 * thread's timeOrigin is on the same wall clock (performance.now() alone starts at zero per thread).
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function isSigTaskResult(v: unknown, count: number): v is SigTaskResult {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Partial<SigTaskResult>;
  return (
    r.out instanceof Uint8Array &&
    r.out.length === resultBytes(count) &&
    typeof r.receivedAt === "number" &&
    typeof r.doneAt === "number"
  );
}

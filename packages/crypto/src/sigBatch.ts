import { recoverAddress } from "./secp256k1.js";
import type { SignatureJob } from "./sigVerifier.js";
import { ADDRESS_BYTES, HASH_BYTES, JOB_BYTES, SIG_BYTES } from "./sigWorkerProtocol.js";

/** One recoverAddresses call, answered once all of its jobs are filled in. */
export interface SigCall {
  jobs: SignatureJob[];
  out: (Uint8Array | null)[];
  remaining: number;
  settled: boolean;
  resolve: (v: (Uint8Array | null)[]) => void;
  reject: (e: unknown) => void;
}

/** A contiguous run of one call's jobs inside a batch. */
export interface SigSlice {
  call: SigCall;
  start: number;
  end: number;
}

/** The unit sent to a worker: slices of one or more calls, `count` jobs in all. */
export interface SigBatch {
  slices: SigSlice[];
  count: number;
  retried: boolean;
}

export function packSigBatch(batch: SigBatch): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(batch.count * JOB_BYTES);
  let o = 0;
  for (const { call, start, end } of batch.slices) {
    for (let i = start; i < end; i++, o += JOB_BYTES) {
      const { hash, signature } = call.jobs[i];
      // A malformed job keeps its zeroed slot: r = 0 is out of range, so the worker answers null.
      if (hash.length !== HASH_BYTES || signature.length !== SIG_BYTES) continue;
      data.set(hash, o);
      data.set(signature, o + HASH_BYTES);
    }
  }
  return data;
}

/** Fills one slice from a worker result (layout in sigWorkerProtocol); `first` is its first job's index there. */
export function fillSliceFromResult(slice: SigSlice, out: Uint8Array, count: number, first: number): void {
  const maskOffset = count * ADDRESS_BYTES;
  const { call, start, end } = slice;
  for (let i = start, k = first; i < end; i++, k++) {
    // Views into the one result buffer: no per-address copy.
    call.out[i] = out[maskOffset + k] === 1 ? out.subarray(k * ADDRESS_BYTES, (k + 1) * ADDRESS_BYTES) : null;
  }
}

/** The last resort when the pool failed twice: same answers, on the caller's thread. */
export function fillSliceOnMainThread(slice: SigSlice): void {
  const { call, start, end } = slice;
  for (let i = start; i < end; i++) {
    try {
      call.out[i] = recoverAddress(call.jobs[i].hash, call.jobs[i].signature);
    } catch {
      call.out[i] = null;
    }
  }
}

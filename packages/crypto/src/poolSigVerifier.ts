import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { errorMessage, type Logger, nullLogger } from "@knode/common";
import { Piscina } from "piscina";
import { CryptoError, CryptoErrorCode } from "./errors.js";
import {
  defaultPoolSigVerifierOptions,
  type PoolSigVerifierOptions,
  type PoolSigVerifierStats,
} from "./poolSigVerifierOptions.js";
import { nativeSecp256k1 } from "./secp256k1.js";
import {
  fillSliceFromResult,
  fillSliceOnMainThread,
  packSigBatch,
  type SigBatch,
  type SigCall,
  type SigSlice,
} from "./sigBatch.js";
import type { SignatureJob, SigVerifier } from "./sigVerifier.js";
import { isSigTaskResult, nowMs, type SigTask, type SigWorkerData } from "./sigWorkerProtocol.js";

function closedError(): CryptoError {
  return new CryptoError({ code: CryptoErrorCode.VERIFIER_CLOSED }, "SigVerifier is closed");
}

/**
 * Signature recovery on a piscina worker pool. Calls made in the same event-loop turn are gathered into one
 * task, big calls are split over several; each task crosses to the worker as one transferred buffer. A
 * task that fails (worker crash, timeout) is retried once on the pool and then recovered on the main
 * thread, so callers only ever see a rejection when the verifier is closed under them.
 */
export class PoolSigVerifier implements SigVerifier {
  private readonly opts: PoolSigVerifierOptions;
  private readonly logger: Logger;
  private readonly pool: Piscina;
  private pending: SigSlice[] = [];
  private pendingCount = 0;
  private flushTimer: NodeJS.Immediate | null = null;
  private readonly open = new Set<SigCall>();
  private queuedJobs = 0;
  private inFlightTasks = 0;
  private closed = false;
  private readonly counters = {
    calls: 0,
    jobs: 0,
    tasks: 0,
    completedTasks: 0,
    failedTasks: 0,
    retries: 0,
    fallbacks: 0,
    fallbackJobs: 0,
    timeToWorkerMs: 0,
    timeInWorkerMs: 0,
    timeBackMs: 0,
    roundTripMs: 0,
  };

  constructor(opts: Partial<PoolSigVerifierOptions> = {}, modules: { logger?: Logger } = {}) {
    this.opts = { ...defaultPoolSigVerifierOptions, ...opts };
    this.opts.threads = Math.max(1, Math.floor(this.opts.threads));
    this.opts.maxJobsPerTask = Math.max(1, Math.floor(this.opts.maxJobsPerTask));
    this.logger = modules.logger?.child({ module: "sigverifier" }) ?? nullLogger();
    if (!nativeSecp256k1) {
      throw new CryptoError(
        { code: CryptoErrorCode.NATIVE_MISSING, missing: ["secp256k1"] },
        "PoolSigVerifier needs the native secp256k1 binding (secp256k1/bindings)",
      );
    }
    const workerPath = fileURLToPath(this.opts.workerUrl);
    if (!existsSync(workerPath)) {
      throw new CryptoError(
        { code: CryptoErrorCode.WORKER_MISSING, path: workerPath },
        `signature worker ${workerPath} not found; build it with \`npx tsc -b packages/crypto\``,
      );
    }
    const crash = this.opts.testCrash;
    const workerData: SigWorkerData = crash
      ? {
          crashHash: crash.hash.slice(),
          crashBudget: new Int32Array(new SharedArrayBuffer(4)).fill(Math.min(crash.times, 0x7fffffff)),
        }
      : { crashHash: null, crashBudget: null };
    this.pool = new Piscina({
      filename: this.opts.workerUrl.href,
      minThreads: this.opts.threads,
      maxThreads: this.opts.threads,
      concurrentTasksPerWorker: 1,
      recordTiming: false,
      workerData,
    });
    // Piscina reports a worker that dies with no task (or fails to load) as an 'error' event, which would
    // otherwise be an uncaught exception; tasks it was running are rejected and handled in onTaskFailed.
    this.pool.on("error", (err: unknown) => this.logger.error({ err: errorMessage(err) }, "signature worker failed"));
  }

  recoverAddresses(jobs: SignatureJob[]): Promise<(Uint8Array | null)[]> {
    if (this.closed) return Promise.reject(closedError());
    const n = jobs.length;
    if (n === 0) return Promise.resolve([]);
    this.counters.calls++;
    this.counters.jobs += n;
    return new Promise((resolve, reject) => {
      const call: SigCall = { jobs, out: new Array(n), remaining: n, settled: false, resolve, reject };
      this.open.add(call);
      this.queuedJobs += n;
      this.enqueue(call);
    });
  }

  /** Back-pressure for gossip intake: false while more than maxQueuedJobs jobs wait for an answer. */
  canAcceptWork(): boolean {
    return !this.closed && this.queuedJobs <= this.opts.maxQueuedJobs;
  }

  stats(): PoolSigVerifierStats {
    const threads = this.closed ? 0 : this.pool.threads.length;
    return {
      ...this.counters,
      threads,
      busyWorkers: Math.min(this.inFlightTasks, threads),
      queuedTasks: this.closed ? 0 : this.pool.queueSize,
      queuedJobs: this.queuedJobs,
      pendingJobs: this.pendingCount,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = null;
    this.pending = [];
    this.pendingCount = 0;
    const err = closedError();
    for (const call of this.open) {
      call.settled = true;
      call.reject(err);
    }
    this.open.clear();
    this.queuedJobs = 0;
    await this.pool.destroy();
  }

  private enqueue(call: SigCall): void {
    const max = this.opts.maxJobsPerTask;
    const n = call.jobs.length;
    let start = 0;
    while (start < n) {
      const take = Math.min(n - start, max - this.pendingCount);
      this.pending.push({ call, start, end: start + take });
      this.pendingCount += take;
      start += take;
      if (this.pendingCount === max) this.flush();
    }
    // Leftovers wait for the end of this event-loop turn so that concurrent small calls share a task.
    if (this.pendingCount > 0 && this.flushTimer === null) {
      this.flushTimer = setImmediate(() => {
        this.flushTimer = null;
        this.flush();
      });
    }
  }

  private flush(): void {
    if (this.pendingCount === 0) return;
    const batch: SigBatch = { slices: this.pending, count: this.pendingCount, retried: false };
    this.pending = [];
    this.pendingCount = 0;
    this.dispatch(batch);
  }

  private dispatch(batch: SigBatch): void {
    // Packed afresh on every attempt: the previous buffer was transferred to the worker and is detached.
    const data = packSigBatch(batch);
    const task: SigTask = { data, count: batch.count, sentAt: nowMs() };
    this.counters.tasks++;
    this.inFlightTasks++;
    this.pool
      .run(task, { transferList: [data.buffer], signal: AbortSignal.timeout(this.opts.taskTimeoutMs) })
      .then(
        (res: unknown) => {
          this.inFlightTasks--;
          this.onTaskResult(batch, res, task.sentAt);
        },
        (err: unknown) => {
          this.inFlightTasks--;
          this.onTaskFailed(batch, err);
        },
      )
      .catch((err: unknown) => {
        // Only a bug in the handlers above lands here; fail the callers rather than leave them hanging.
        this.logger.error({ err: errorMessage(err) }, "signature task handling failed");
        for (const slice of batch.slices) this.settle(slice.call, err);
      });
  }

  private onTaskResult(batch: SigBatch, res: unknown, sentAt: number): void {
    const backAt = nowMs();
    if (!isSigTaskResult(res, batch.count)) {
      this.onTaskFailed(batch, new Error("malformed result from signature worker"));
      return;
    }
    const c = this.counters;
    c.completedTasks++;
    c.timeToWorkerMs += Math.max(0, res.receivedAt - sentAt);
    c.timeInWorkerMs += Math.max(0, res.doneAt - res.receivedAt);
    c.timeBackMs += Math.max(0, backAt - res.doneAt);
    c.roundTripMs += backAt - sentAt;
    let first = 0;
    for (const slice of batch.slices) {
      fillSliceFromResult(slice, res.out, batch.count, first);
      first += slice.end - slice.start;
      this.completeSlice(slice);
    }
  }

  private onTaskFailed(batch: SigBatch, err: unknown): void {
    if (this.closed) {
      for (const slice of batch.slices) this.settle(slice.call, closedError());
      return;
    }
    this.counters.failedTasks++;
    if (!batch.retried) {
      batch.retried = true;
      this.counters.retries++;
      this.logger.warn({ err: errorMessage(err), jobs: batch.count }, "signature task failed; retrying on the pool");
      this.dispatch(batch);
      return;
    }
    this.counters.fallbacks++;
    this.counters.fallbackJobs += batch.count;
    this.logger.error(
      { err: errorMessage(err), jobs: batch.count },
      "signature task failed twice; recovering on the main thread",
    );
    for (const slice of batch.slices) {
      fillSliceOnMainThread(slice);
      this.completeSlice(slice);
    }
  }

  private completeSlice({ call, start, end }: SigSlice): void {
    if (call.settled) return;
    call.remaining -= end - start;
    this.queuedJobs -= end - start;
    if (call.remaining > 0) return;
    call.settled = true;
    this.open.delete(call);
    call.resolve(call.out);
  }

  private settle(call: SigCall, err: unknown): void {
    if (call.settled) return;
    call.settled = true;
    this.open.delete(call);
    this.queuedJobs -= call.remaining;
    call.reject(err);
  }
}

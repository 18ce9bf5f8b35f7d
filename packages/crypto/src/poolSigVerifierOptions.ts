import { availableParallelism } from "node:os";

/**
 * The compiled worker beside this module (dist/sigWorker.js). Vitest runs the TypeScript sources, and a
 * worker thread cannot load .ts, so when this module itself is a .ts file the built worker in ../dist is
 * used instead: run `npx tsc -b packages/crypto` first (the crypto tests do it in beforeAll).
 */
export function sigWorkerUrl(): URL {
  const fromSource = import.meta.url.endsWith(".ts");
  return new URL(fromSource ? "../dist/sigWorker.js" : "./sigWorker.js", import.meta.url);
}

export interface PoolSigVerifierOptions {
  threads: number;
  /** Larger calls are split into tasks of this many jobs so that all workers share one big batch. */
  maxJobsPerTask: number;
  /** canAcceptWork() turns false while more jobs than this are accepted but not yet answered. */
  maxQueuedJobs: number;
  /** A task not answered by then is aborted (its worker terminated) and treated like a crash. */
  taskTimeoutMs: number;
  workerUrl: URL;
  /**
   * Test only, null in production: a worker meeting a job with this hash exits its thread, at most `times`
   * times across the pool, so that crash recovery can be exercised.
   */
  testCrash: { hash: Uint8Array; times: number } | null;
}

export const defaultPoolSigVerifierOptions: PoolSigVerifierOptions = {
  // One core stays with the main thread (EVM, networking); beyond 4 workers the batches get too thin.
  threads: Math.min(4, Math.max(1, availableParallelism() - 1)),
  // ~15 ms of native recovery per task: amortises the post/transfer cost while keeping latency low.
  maxJobsPerTask: 256,
  // About 0.15 s of work for a 4-thread pool (~15k recoveries/s each); gossip intake pauses beyond that.
  maxQueuedJobs: 8192,
  // Far above any real task (milliseconds); only a wedged worker reaches it.
  taskTimeoutMs: 30_000,
  workerUrl: sigWorkerUrl(),
  testCrash: null,
};

/** Counters are cumulative; the timing sums cover successful pool tasks (divide by completedTasks). */
export interface PoolSigVerifierStats {
  calls: number;
  jobs: number;
  /** Tasks posted to the pool, retries included. */
  tasks: number;
  completedTasks: number;
  failedTasks: number;
  retries: number;
  /** Tasks recovered on the main thread after failing twice on the pool. */
  fallbacks: number;
  fallbackJobs: number;
  timeToWorkerMs: number;
  timeInWorkerMs: number;
  timeBackMs: number;
  roundTripMs: number;
  threads: number;
  busyWorkers: number;
  /** Tasks waiting in the pool for a free worker. */
  queuedTasks: number;
  /** Jobs accepted and not yet answered (what canAcceptWork compares with maxQueuedJobs). */
  queuedJobs: number;
  /** Jobs still being gathered for the next task. */
  pendingJobs: number;
}

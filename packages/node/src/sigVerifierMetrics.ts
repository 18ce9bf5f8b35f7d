import type { PoolSigVerifierStats } from "@knode/crypto";
import { Counter, Gauge, type Registry } from "prom-client";

type StatOf = (s: PoolSigVerifierStats) => number;

const MS = 1000;

/** Cumulative pool counters; the timing sums divided by completed tasks give the mean round-trip legs. */
const COUNTERS: [name: string, help: string, pick: StatOf][] = [
  ["calls_total", "recoverAddresses calls", (s) => s.calls],
  ["jobs_total", "Signatures submitted for recovery", (s) => s.jobs],
  ["tasks_total", "Tasks posted to the worker pool, retries included", (s) => s.tasks],
  ["completed_tasks_total", "Tasks answered by a worker", (s) => s.completedTasks],
  ["failed_tasks_total", "Tasks that failed on the pool (crash, timeout, bad result)", (s) => s.failedTasks],
  ["retries_total", "Failed tasks retried on the pool", (s) => s.retries],
  [
    "fallback_jobs_total",
    "Signatures recovered on the main thread after their task failed twice",
    (s) => s.fallbackJobs,
  ],
  [
    "time_to_worker_seconds_total",
    "Summed time from posting a task to a worker picking it up",
    (s) => s.timeToWorkerMs / MS,
  ],
  ["time_in_worker_seconds_total", "Summed time workers spent recovering", (s) => s.timeInWorkerMs / MS],
  [
    "time_back_seconds_total",
    "Summed time from a worker's answer to the main thread reading it",
    (s) => s.timeBackMs / MS,
  ],
  ["round_trip_seconds_total", "Summed task round trips, post to answer", (s) => s.roundTripMs / MS],
];

const GAUGES: [name: string, help: string, pick: StatOf][] = [
  ["threads", "Worker threads in the pool", (s) => s.threads],
  ["busy_workers", "Workers running a task", (s) => s.busyWorkers],
  ["queued_tasks", "Tasks waiting for a free worker", (s) => s.queuedTasks],
  [
    "queued_jobs",
    "Signatures accepted and not yet answered (gossip intake pauses above the limit)",
    (s) => s.queuedJobs,
  ],
  ["pending_jobs", "Signatures gathered for the next task", (s) => s.pendingJobs],
];

/**
 * Exposes a PoolSigVerifier's counters as `knode_sigverifier_*`. The pool keeps plain numbers (it is a
 * lower layer with no prom-client); they are read once per scrape, so the hot path pays nothing.
 */
export function registerSigVerifierMetrics(registry: Registry, source: { stats(): PoolSigVerifierStats }): void {
  for (const [name, help, pick] of COUNTERS) {
    new Counter({
      name: `knode_sigverifier_${name}`,
      help,
      registers: [registry],
      collect(this: Counter) {
        this.reset();
        this.inc(pick(source.stats()));
      },
    });
  }
  for (const [name, help, pick] of GAUGES) {
    new Gauge({
      name: `knode_sigverifier_${name}`,
      help,
      registers: [registry],
      collect(this: Gauge) {
        this.set(pick(source.stats()));
      },
    });
  }
}

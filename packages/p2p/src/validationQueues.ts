import { GOSSIP_KINDS, type GossipKind } from "./interface.js";

export interface QueueOptions {
  maxLength: number;
  /**
   * Which message to lose when full: "oldest" keeps the freshest (consensus and blocks, where newer
   * messages supersede older ones); "newest" keeps what is already queued (txs: first come, first served).
   */
  drop: "oldest" | "newest";
}

export interface ValidationJob {
  run(): Promise<void>;
  /** Called instead of `run` when the job is dropped or the queues are cleared. */
  drop(): void;
}

/**
 * Bounded per-kind queues drained by a fixed number of workers, always taking from the most urgent
 * non-empty queue (consensus > block > tx), so a tx flood can never delay a consensus vote by more
 * than the jobs already running.
 */
export class ValidationQueues {
  private readonly queues = new Map<GossipKind, ValidationJob[]>();
  private running = 0;
  private closed = false;

  constructor(
    private readonly opts: Record<GossipKind, QueueOptions>,
    private readonly concurrency: number,
    private readonly onDropped: (kind: GossipKind) => void = () => {},
  ) {
    for (const k of GOSSIP_KINDS) this.queues.set(k, []);
  }

  /** Returns false when the job was dropped (or another one was, to make room). */
  push(kind: GossipKind, job: ValidationJob): boolean {
    if (this.closed) {
      job.drop();
      return false;
    }
    const q = this.queue(kind);
    const { maxLength, drop } = this.opts[kind];
    let accepted = true;
    if (q.length >= maxLength) {
      accepted = false;
      this.onDropped(kind);
      if (drop === "newest" || maxLength === 0) {
        job.drop();
        return false;
      }
      q.shift()?.drop();
    }
    q.push(job);
    this.pump();
    return accepted;
  }

  length(kind: GossipKind): number {
    return this.queue(kind).length;
  }

  get active(): number {
    return this.running;
  }

  /** Drops everything queued; running jobs finish on their own. */
  close(): void {
    this.closed = true;
    for (const q of this.queues.values()) {
      for (const job of q.splice(0)) job.drop();
    }
  }

  private queue(kind: GossipKind): ValidationJob[] {
    const q = this.queues.get(kind);
    if (q === undefined) throw new RangeError(`unknown gossip kind ${kind}`);
    return q;
  }

  private next(): ValidationJob | undefined {
    for (const k of GOSSIP_KINDS) {
      const job = this.queue(k).shift();
      if (job !== undefined) return job;
    }
    return undefined;
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const job = this.next();
      if (job === undefined) return;
      this.running++;
      job
        .run()
        .catch(() => {})
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }
}

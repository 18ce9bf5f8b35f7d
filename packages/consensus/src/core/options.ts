/** Verdict on a remote message, for the p2p layer: forward, drop quietly, or drop and penalise the sender. */
export type Verdict = "accept" | "ignore" | "reject";

/** Where the core sends what it signs. The p2p layer delivers to the listed validator addresses. */
export interface ConsensusNetwork {
  /** `committee`: addresses of the current and the next round's committee, this node excluded. */
  broadcast(encoded: Uint8Array, committee: Uint8Array[]): void;
}

/** Time source and timers, injected so tests drive the state machine without sleeping. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface IstanbulCoreOptions {
  /** Target interval between blocks. */
  blockPeriodMs: number;
  /** Klaytn stops adding transactions to a block after 250 ms so the period holds under load. */
  buildTimeLimitMs: number;
  /** Upper bound on transactions taken from the pool per block. */
  maxTxsPerBlock: number;
  /** Round timeout = base + growth · 2^round (SPEC §4: 10 s + 2^round s). */
  roundTimeoutBaseMs: number;
  roundTimeoutGrowthMs: number;
  /** Round changes are kept for at most this many rounds ahead of ours (bounds memory per sender). */
  maxFutureRounds: number;
  /** Backlog bounds for messages of later views. */
  backlogPerSender: number;
  backlogTotal: number;
  backlogBytes: number;
}

export const defaultIstanbulCoreOptions: IstanbulCoreOptions = {
  blockPeriodMs: 1000,
  buildTimeLimitMs: 250,
  maxTxsPerBlock: 20_000,
  roundTimeoutBaseMs: 10_000,
  roundTimeoutGrowthMs: 1_000,
  maxFutureRounds: 10,
  // A validator sends 3–4 messages per round; this covers a few rounds and heights of a fast peer.
  backlogPerSender: 64,
  backlogTotal: 4096,
  backlogBytes: 64 * 1024 * 1024,
};

/** 2^16 s already exceeds any sensible wait; the cap keeps the arithmetic finite. */
const MAX_TIMEOUT_EXPONENT = 16;

export function roundTimeoutMs(opts: IstanbulCoreOptions, round: number): number {
  return opts.roundTimeoutBaseMs + opts.roundTimeoutGrowthMs * 2 ** Math.min(round, MAX_TIMEOUT_EXPONENT);
}

import type { PenaltySeverity } from "./interface.js";

export interface PeerScoreOptions {
  /** Score lost per offence, by tolerance. Fatal must reach `disconnectScore` on its own. */
  penalties: Record<PenaltySeverity, number>;
  /** At or below this score the peer is disconnected and banned. */
  disconnectScore: number;
  banMs: number;
  /** Penalties fade so that an honest peer's occasional slip is forgiven. */
  halfLifeMs: number;
}

export const defaultPeerScoreOptions: PeerScoreOptions = {
  penalties: { fatal: -100, low: -10, mid: -5, high: -1 },
  disconnectScore: -20,
  banMs: 10 * 60_000,
  halfLifeMs: 10 * 60_000,
};

interface ScoreEntry {
  score: number;
  updatedMs: number;
}

/** Application-level peer reputation with exponential decay, bans and a bounded memory. */
export class PeerScoreBook {
  private readonly scores = new Map<string, ScoreEntry>();
  private readonly bans = new Map<string, number>();

  constructor(
    private readonly opts: PeerScoreOptions,
    private readonly now: () => number = Date.now,
  ) {}

  score(peerId: string): number {
    const e = this.scores.get(peerId);
    if (e === undefined) return 0;
    this.decay(e);
    return e.score;
  }

  /** Returns true when this penalty pushed the peer over the edge and it is now banned. */
  penalize(peerId: string, severity: PenaltySeverity): boolean {
    const t = this.now();
    let e = this.scores.get(peerId);
    if (e === undefined) {
      e = { score: 0, updatedMs: t };
      this.scores.set(peerId, e);
    } else {
      this.decay(e);
    }
    e.score += this.opts.penalties[severity];
    if (e.score > this.opts.disconnectScore) return false;
    this.ban(peerId);
    return true;
  }

  ban(peerId: string, ms = this.opts.banMs): void {
    // The ban is the punishment; the score restarts clean for when it ends.
    this.scores.delete(peerId);
    this.bans.set(peerId, this.now() + ms);
  }

  isBanned(peerId: string): boolean {
    const until = this.bans.get(peerId);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.bans.delete(peerId);
    return false;
  }

  /** Drops entries that have decayed to nothing and expired bans, so the maps stay small. */
  prune(): void {
    const t = this.now();
    for (const [id, e] of this.scores) {
      this.decay(e);
      if (e.score > -0.5) this.scores.delete(id);
    }
    for (const [id, until] of this.bans) if (until <= t) this.bans.delete(id);
  }

  private decay(e: ScoreEntry): void {
    const t = this.now();
    const dt = t - e.updatedMs;
    if (dt <= 0) return;
    e.score *= 0.5 ** (dt / this.opts.halfLifeMs);
    e.updatedMs = t;
  }
}

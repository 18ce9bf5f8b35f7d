import { errorMessage, type Logger } from "@knode/common";
import type { PeerId } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import type { KnodeLibp2p } from "./createKnodeLibp2p.js";
import type { P2PStats } from "./interface.js";
import { peerIdOfMultiaddr } from "./staticNodes.js";

export interface StaticDialerOptions {
  dialTimeoutMs: number;
  redialMinMs: number;
  redialMaxMs: number;
}

export interface StaticDialerModules {
  libp2p: KnodeLibp2p;
  logger: Logger;
  stats: P2PStats;
}

interface Target {
  addr: string;
  peerId: string;
  backoffMs: number;
  timer?: NodeJS.Timeout;
  dialing: boolean;
}

/**
 * Keeps static peers and bootnodes connected: dial at start, and whenever one is not connected, redial
 * with exponential backoff. The backoff resets only once the peer completes a handshake, so a peer that
 * accepts the connection and then refuses us is not hammered.
 */
export class StaticDialer {
  private readonly targets = new Map<string, Target>();
  private running = false;
  private readonly onDisconnect = (evt: CustomEvent<PeerId>) => {
    const t = this.targets.get(evt.detail.toString());
    if (t !== undefined) this.schedule(t);
  };

  constructor(
    private readonly opts: StaticDialerOptions,
    private readonly modules: StaticDialerModules,
  ) {}

  isStatic(peerId: string): boolean {
    return this.targets.has(peerId);
  }

  add(addr: string): void {
    const peerId = peerIdOfMultiaddr(addr);
    if (peerId === undefined || peerId === this.modules.libp2p.peerId.toString()) return;
    const existing = this.targets.get(peerId);
    if (existing !== undefined) {
      existing.addr = addr;
      return;
    }
    const t: Target = { addr, peerId, backoffMs: this.opts.redialMinMs, dialing: false };
    this.targets.set(peerId, t);
    if (this.running) void this.dial(t);
  }

  start(): void {
    this.running = true;
    this.modules.libp2p.addEventListener("peer:disconnect", this.onDisconnect);
    for (const t of this.targets.values()) void this.dial(t);
  }

  stop(): void {
    this.running = false;
    this.modules.libp2p.removeEventListener("peer:disconnect", this.onDisconnect);
    for (const t of this.targets.values()) clearTimeout(t.timer);
  }

  /** The handshake with this peer succeeded: the next outage starts from the shortest backoff again. */
  handshakeSucceeded(peerId: string): void {
    const t = this.targets.get(peerId);
    if (t !== undefined) t.backoffMs = this.opts.redialMinMs;
  }

  private connected(t: Target): boolean {
    return this.modules.libp2p.getConnections().some((c) => c.remotePeer.toString() === t.peerId);
  }

  private schedule(t: Target): void {
    if (!this.running || t.timer !== undefined) return;
    const delay = t.backoffMs;
    t.backoffMs = Math.min(this.opts.redialMaxMs, t.backoffMs * 2);
    t.timer = setTimeout(() => {
      t.timer = undefined;
      void this.dial(t);
    }, delay);
  }

  private async dial(t: Target): Promise<void> {
    const { libp2p, stats, logger } = this.modules;
    if (!this.running || t.dialing || this.connected(t)) return;
    t.dialing = true;
    stats.dials++;
    try {
      await libp2p.dial(multiaddr(t.addr), { signal: AbortSignal.timeout(this.opts.dialTimeoutMs) });
    } catch (err) {
      stats.dialFailures++;
      logger.debug({ addr: t.addr, err: errorMessage(err) }, "static dial failed");
      this.schedule(t);
    } finally {
      t.dialing = false;
    }
  }
}

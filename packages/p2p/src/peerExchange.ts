import { bytesToUtf8, errorMessage, type Logger, utf8ToBytes } from "@knode/common";
import type { PeerId } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import type { KnodeLibp2p } from "./createKnodeLibp2p.js";
import type { P2PStats } from "./interface.js";
import type { PeerManager } from "./peerManager.js";
import type { ReqResp } from "./reqResp.js";
import { isDialableMultiaddr, peerIdOfMultiaddr } from "./staticNodes.js";

export const PEERS_METHOD = "peers";

/** A multiaddr with a peer id is well under this; longer entries are junk. */
const MAX_ADDR_BYTES = 256;
/** Peers we remember having tried, so a round does not redial the same refusals. */
const MAX_REMEMBERED = 1024;
/** After this a peer we tried may be tried again (it may have restarted, or we lost it). */
const RETRY_AFTER_MS = 5 * 60_000;

export interface PeerExchangeOptions {
  /** Whether this node looks for peers (PN/EN without --nodiscover). */
  discover: boolean;
  /** Whether this node answers (never a CN: CNs are not discoverable and do not advertise their PNs). */
  serve: boolean;
  discoveryIntervalMs: number;
  targetPeers: number;
  maxPeersPerExchange: number;
  maxDialsPerDiscovery: number;
  dialTimeoutMs: number;
}

export interface PeerExchangeModules {
  libp2p: KnodeLibp2p;
  reqResp: ReqResp;
  peers: PeerManager;
  logger: Logger;
  stats: P2PStats;
  isBanned(peerId: string): boolean;
}

/**
 * `/klay/req/peers/1`: a peer answers with the multiaddrs of its PN and EN peers, never of a CN, so an
 * EN reaching one bootnode PN finds the rest of the proxy layer and nothing behind it.
 */
export class PeerExchange {
  private timer: NodeJS.Timeout | undefined;
  private readonly tried = new Map<string, number>();
  private round: Promise<void> | undefined;

  constructor(
    private readonly opts: PeerExchangeOptions,
    private readonly modules: PeerExchangeModules,
  ) {}

  async start(): Promise<void> {
    if (this.opts.serve) {
      await this.modules.reqResp.register(PEERS_METHOD, (_body, peer) => this.serve(peer), {
        maxChunks: this.opts.maxPeersPerExchange,
        maxBytes: this.opts.maxPeersPerExchange * MAX_ADDR_BYTES,
      });
    }
    if (this.opts.discover) {
      this.timer = setInterval(() => this.trigger(), this.opts.discoveryIntervalMs);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Runs a discovery round unless one is already under way. */
  trigger(): void {
    if (!this.opts.discover || this.timer === undefined || this.round !== undefined) return;
    this.round = this.discover().finally(() => {
      this.round = undefined;
    });
  }

  private async *serve(requester: PeerId): AsyncGenerator<Uint8Array> {
    const { peers } = this.modules;
    const from = requester.toString();
    if (peers.get(from) === undefined) return;
    let n = 0;
    for (const p of peers.list()) {
      if (n >= this.opts.maxPeersPerExchange) return;
      if (p.role === "cn" || p.id === from) continue;
      const addr = await this.listenAddr(p.id);
      if (addr === undefined) continue;
      n++;
      yield utf8ToBytes(addr);
    }
  }

  /** A dialable address of a peer: what identify told us it listens on, else the address we dialled. */
  private async listenAddr(id: string): Promise<string | undefined> {
    const { libp2p, peers } = this.modules;
    const conn = libp2p.getConnections().find((c) => c.remotePeer.toString() === id);
    if (conn === undefined) return undefined;
    try {
      const record = await libp2p.peerStore.get(conn.remotePeer);
      const tcp = record.addresses.map((a) => a.multiaddr.toString()).find((a) => a.includes("/tcp/"));
      if (tcp !== undefined) return tcp.includes("/p2p/") ? tcp : `${tcp}/p2p/${id}`;
    } catch {
      // Not in the peer store yet (identify still running): fall through.
    }
    const info = peers.get(id);
    if (info?.direction === "outbound") return `${info.remoteAddress.split("/p2p/")[0]}/p2p/${id}`;
    return undefined;
  }

  private async discover(): Promise<void> {
    const { peers, reqResp, libp2p, logger, stats } = this.modules;
    const connected = peers.list();
    if (connected.length >= this.opts.targetPeers) return;
    const sources = connected.filter((p) => p.role !== "cn").sort(() => Math.random() - 0.5);
    let dials = 0;
    for (const src of sources.slice(0, 2)) {
      let chunks: Uint8Array[];
      try {
        const conn = libp2p.getConnections().find((c) => c.remotePeer.toString() === src.id);
        if (conn === undefined) continue;
        chunks = await reqResp.request(conn.remotePeer, PEERS_METHOD, new Uint8Array(0), {
          maxChunks: this.opts.maxPeersPerExchange,
          maxBytes: this.opts.maxPeersPerExchange * MAX_ADDR_BYTES,
        });
      } catch (err) {
        logger.debug({ peer: src.id, err: errorMessage(err) }, "peer exchange failed");
        continue;
      }
      for (const chunk of chunks) {
        if (dials >= this.opts.maxDialsPerDiscovery) return;
        if (chunk.length > MAX_ADDR_BYTES) continue;
        const addr = bytesToUtf8(chunk);
        const id = peerIdOfMultiaddr(addr);
        if (id === undefined || !isDialableMultiaddr(addr) || !this.worthDialling(id)) continue;
        this.remember(id);
        stats.discoveredPeers++;
        dials++;
        stats.dials++;
        void libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(this.opts.dialTimeoutMs) }).catch(() => {
          stats.dialFailures++;
        });
      }
    }
  }

  private worthDialling(id: string): boolean {
    const { libp2p, isBanned, peers } = this.modules;
    const triedAt = this.tried.get(id);
    if (triedAt !== undefined && Date.now() - triedAt < RETRY_AFTER_MS) return false;
    if (id === libp2p.peerId.toString() || isBanned(id)) return false;
    return peers.get(id) === undefined && !libp2p.getConnections().some((c) => c.remotePeer.toString() === id);
  }

  private remember(id: string): void {
    if (this.tried.size >= MAX_REMEMBERED) this.tried.clear();
    this.tried.set(id, Date.now());
  }
}

import { equalBytes, errorMessage, isKnodeError, type Logger } from "@knode/common";
import type { PeerId } from "@libp2p/interface";
import type { KnodeLibp2p } from "./createKnodeLibp2p.js";
import { P2PError, P2PErrorCode } from "./errors.js";
import type { P2PChainView, P2PStats, PeerEvent, PeerInfo, PeerRole, PenaltySeverity } from "./interface.js";
import { addressOfPeer } from "./peerAddress.js";
import type { ReqResp } from "./reqResp.js";
import { decodeStatus, encodeStatus, MAX_STATUS_BYTES, type StatusMessage } from "./statusCodec.js";
import { checkTopology } from "./topology.js";

export const STATUS_METHOD = "status";

export interface PeerManagerOptions {
  handshakeTimeoutMs: number;
  maxPeersByRole: Record<PeerRole, number>;
  statusPollMs: number;
  statusRefreshMs: number;
}

export interface PeerManagerModules {
  libp2p: KnodeLibp2p;
  reqResp: ReqResp;
  chain: P2PChainView;
  logger: Logger;
  stats: P2PStats;
  isStatic(peerId: string): boolean;
  penalize(peerId: string, severity: PenaltySeverity, reason: string): void;
  emit(event: PeerEvent, peer: PeerInfo): void;
}

/**
 * Owns the table of handshaked peers. A connection becomes a peer only after both sides have exchanged
 * status on `/klay/req/status/1` and each has checked chain, genesis and SPEC §5 topology on its own.
 */
export class PeerManager {
  private readonly peers = new Map<string, PeerInfo>();
  private readonly peerIds = new Map<string, PeerId>();
  private readonly exchanging = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private lastHead: Uint8Array | undefined;
  private lastRefreshMs = 0;
  private readonly onConnect = (evt: CustomEvent<PeerId>) => this.handleConnect(evt.detail);
  private readonly onDisconnect = (evt: CustomEvent<PeerId>) => this.handleDisconnect(evt.detail);

  constructor(
    private readonly opts: PeerManagerOptions,
    private readonly modules: PeerManagerModules,
  ) {}

  async start(): Promise<void> {
    const { libp2p, reqResp } = this.modules;
    await reqResp.register(STATUS_METHOD, (body, peer) => this.serveStatus(body, peer), {
      maxChunks: 1,
      maxBytes: MAX_STATUS_BYTES,
    });
    libp2p.addEventListener("peer:connect", this.onConnect);
    libp2p.addEventListener("peer:disconnect", this.onDisconnect);
    this.lastHead = this.modules.chain.head().hash;
    this.lastRefreshMs = Date.now();
    this.timer = setInterval(() => this.maybeAnnounce(), this.opts.statusPollMs);
  }

  stop(): void {
    const { libp2p } = this.modules;
    clearInterval(this.timer);
    libp2p.removeEventListener("peer:connect", this.onConnect);
    libp2p.removeEventListener("peer:disconnect", this.onDisconnect);
  }

  get(peerId: string): PeerInfo | undefined {
    return this.peers.get(peerId);
  }

  list(): PeerInfo[] {
    return [...this.peers.values()];
  }

  /** The libp2p PeerId of a handshaked peer, kept to avoid re-parsing id strings on hot paths. */
  peerId(id: string): PeerId | undefined {
    return this.peerIds.get(id);
  }

  localStatus(): StatusMessage {
    const { chain } = this.modules;
    const head = chain.head();
    return { chainId: chain.chainId, genesisHash: chain.genesisHash, role: chain.role, head };
  }

  /** Sends our status to every peer now; their replies refresh what we know of their heads. */
  announce(): void {
    this.lastHead = this.modules.chain.head().hash;
    this.lastRefreshMs = Date.now();
    for (const peer of this.peerIds.values()) void this.exchangeStatus(peer);
  }

  private maybeAnnounce(): void {
    const head = this.modules.chain.head().hash;
    const stale = Date.now() - this.lastRefreshMs >= this.opts.statusRefreshMs;
    if (stale || this.lastHead === undefined || !equalBytes(head, this.lastHead)) this.announce();
  }

  private handleConnect(peer: PeerId): void {
    void this.exchangeStatus(peer);
  }

  private handleDisconnect(peer: PeerId): void {
    const id = peer.toString();
    const info = this.peers.get(id);
    if (info === undefined) return;
    this.peers.delete(id);
    this.peerIds.delete(id);
    this.modules.stats.peersConnected = this.peers.size;
    this.emit("disconnected", info);
  }

  private async exchangeStatus(peer: PeerId): Promise<void> {
    const { reqResp, stats, logger } = this.modules;
    const id = peer.toString();
    if (this.exchanging.has(id)) return;
    this.exchanging.add(id);
    try {
      const chunks = await reqResp.request(peer, STATUS_METHOD, encodeStatus(this.localStatus()), {
        timeoutMs: this.opts.handshakeTimeoutMs,
        maxChunks: 1,
        maxBytes: MAX_STATUS_BYTES,
      });
      if (chunks.length === 0) {
        // A peer that refuses us (e.g. we are not in its council yet) hangs up before its error frame gets
        // out, so an empty answer is a refusal, not garbage: banning it would outlast the refusal's cause.
        throw new P2PError({ code: P2PErrorCode.STATUS_DECLINED, peerId: id }, "peer declined the handshake");
      }
      if (chunks.length !== 1) {
        throw new P2PError({ code: P2PErrorCode.INVALID_STATUS, reason: "no status in response" });
      }
      this.admit(peer, decodeStatus(chunks[0]));
    } catch (err) {
      if (this.peers.has(id) && isKnodeError(err, P2PErrorCode.REQUEST_TIMEOUT)) {
        // A slow re-announcement is not a reason to drop a working peer; the next one may succeed.
        logger.debug({ peer: id }, "status refresh timed out");
        return;
      }
      if (!this.peers.has(id)) stats.handshakesFailed++;
      this.refuse(peer, err);
    } finally {
      this.exchanging.delete(id);
    }
  }

  private async *serveStatus(body: Uint8Array, peer: PeerId): AsyncGenerator<Uint8Array> {
    try {
      this.admit(peer, decodeStatus(body));
    } catch (err) {
      this.refuse(peer, err);
      throw err;
    }
    yield encodeStatus(this.localStatus());
  }

  /** Validates a status and creates or refreshes the peer; throws a P2PError when the peer must go. */
  private admit(peer: PeerId, status: StatusMessage): void {
    const { chain, libp2p, stats } = this.modules;
    const id = peer.toString();
    if (status.chainId !== chain.chainId) throw new P2PError({ code: P2PErrorCode.STATUS_MISMATCH, field: "chainId" });
    if (!equalBytes(status.genesisHash, chain.genesisHash)) {
      throw new P2PError({ code: P2PErrorCode.STATUS_MISMATCH, field: "genesisHash" });
    }
    const address = addressOfPeer(peer);
    const topology = checkTopology(chain.role, status.role, address, chain.council());
    if (!topology.ok) {
      throw new P2PError(
        { code: P2PErrorCode.TOPOLOGY_REFUSED, local: chain.role, remote: status.role },
        topology.reason,
      );
    }
    const existing = this.peers.get(id);
    if (existing !== undefined) {
      if (existing.role !== status.role) {
        throw new P2PError({ code: P2PErrorCode.INVALID_STATUS, reason: "role changed" });
      }
      if (existing.head.number !== status.head.number || !equalBytes(existing.head.hash, status.head.hash)) {
        existing.head = status.head;
        this.emit("status", existing);
      }
      return;
    }
    const conn = libp2p.getConnections(peer).find((c) => c.status === "open");
    if (conn === undefined) throw new P2PError({ code: P2PErrorCode.PEER_NOT_CONNECTED, peerId: id });
    if (!this.modules.isStatic(id) && this.countRole(status.role) >= this.opts.maxPeersByRole[status.role]) {
      throw new P2PError({ code: P2PErrorCode.TOO_MANY_PEERS, role: status.role });
    }
    const info: PeerInfo = {
      id,
      role: status.role,
      address,
      remoteAddress: conn.remoteAddr.toString(),
      head: status.head,
      direction: conn.direction,
    };
    this.peers.set(id, info);
    this.peerIds.set(id, peer);
    stats.handshakesOk++;
    stats.peersConnected = this.peers.size;
    this.modules.logger.debug({ peer: id, role: info.role, direction: info.direction }, "peer connected");
    this.emit("connected", info);
  }

  private refuse(peer: PeerId, err: unknown): void {
    const { libp2p, logger, penalize } = this.modules;
    const id = peer.toString();
    logger.debug({ peer: id, reason: errorMessage(err) }, "peer refused");
    // Garbage or another chain is a property of the peer, not of the moment: ban it.
    const hostile =
      isKnodeError(err, P2PErrorCode.INVALID_STATUS) ||
      isKnodeError(err, P2PErrorCode.STATUS_MISMATCH) ||
      isKnodeError(err, P2PErrorCode.UNSUPPORTED_PEER_KEY);
    if (hostile) penalize(id, "fatal", errorMessage(err));
    else void libp2p.hangUp(peer).catch(() => {});
  }

  private countRole(role: PeerRole): number {
    let n = 0;
    for (const p of this.peers.values()) if (p.role === role && !this.modules.isStatic(p.id)) n++;
    return n;
  }

  private emit(event: PeerEvent, info: PeerInfo): void {
    this.modules.emit(event, info);
  }
}

import { errorMessage, type Logger } from "@knode/common";
import { privateKeyFromRaw } from "@libp2p/crypto/keys";
import type { PeerId } from "@libp2p/interface";
import { peerIdFromPrivateKey, peerIdFromString } from "@libp2p/peer-id";
import { createKnodeLibp2p, type KnodeLibp2p } from "./createKnodeLibp2p.js";
import { DirectMessenger } from "./directMessenger.js";
import { P2PError, P2PErrorCode } from "./errors.js";
import { GossipRouter, gossipTopic } from "./gossipRouter.js";
import {
  type DirectProtocol,
  emptyStats,
  GOSSIP_KINDS,
  type GossipKind,
  type MessageHandler,
  type NodeInfo,
  type P2PChainView,
  type P2PStats,
  type PeerEvent,
  type PeerInfo,
  type PeerListener,
  type PenaltySeverity,
  type RequestHandler,
} from "./interface.js";
import { type P2PInitOptions, type P2POptions, resolveP2POptions } from "./options.js";
import { PEERS_METHOD, PeerExchange } from "./peerExchange.js";
import { PeerManager, STATUS_METHOD } from "./peerManager.js";
import { PeerScoreBook } from "./peerScore.js";
import { ReqResp } from "./reqResp.js";
import { StaticDialer } from "./staticDialer.js";
import { defaultGossipKinds } from "./topology.js";
import { ValidationQueues } from "./validationQueues.js";

export interface P2PModules {
  logger: Logger;
  chain: P2PChainView;
}

/** Everything that exists only while the network runs. */
interface Running {
  libp2p: KnodeLibp2p;
  reqResp: ReqResp;
  peers: PeerManager;
  gossip: GossipRouter;
  direct: DirectMessenger | undefined;
  exchange: PeerExchange;
  pruneTimer: NodeJS.Timeout;
}

/**
 * knode's network: libp2p with a role-aware status handshake, gossip with async validation, direct
 * consensus messages, request/response, peer scoring, static peers and PN/EN peer exchange.
 */
export class P2PNetwork {
  readonly peerId: string;
  private readonly opts: P2POptions;
  private readonly logger: Logger;
  private readonly counters: P2PStats = emptyStats();
  private readonly score: PeerScoreBook;
  private readonly queues: ValidationQueues;
  private readonly gossipHandlers = new Map<GossipKind, MessageHandler>();
  private readonly requestHandlers = new Map<string, RequestHandler>();
  private directHandler: MessageHandler | undefined;
  private readonly listeners: Record<PeerEvent, Set<PeerListener>> = {
    connected: new Set(),
    disconnected: new Set(),
    status: new Set(),
  };
  private pendingStatic: string[];
  private running: Running | undefined;
  private staticDialer: StaticDialer | undefined;

  constructor(
    opts: P2PInitOptions,
    private readonly modules: P2PModules,
  ) {
    this.opts = resolveP2POptions(opts);
    this.logger = modules.logger.child({ module: "p2p" });
    this.peerId = peerIdFromPrivateKey(privateKeyFromRaw(this.opts.nodeKey)).toString();
    this.score = new PeerScoreBook(this.opts.score);
    this.queues = new ValidationQueues(this.opts.gossipQueues, this.opts.validationConcurrency, () => {
      this.counters.gossipDropped++;
    });
    this.pendingStatic = [...this.opts.staticPeers, ...this.opts.bootnodes];
  }

  get libp2p(): KnodeLibp2p {
    return this.require().libp2p;
  }

  async start(): Promise<void> {
    if (this.running !== undefined) return;
    const { chain } = this.modules;
    const o = this.opts;
    const kinds = o.gossipKinds ?? defaultGossipKinds(chain.role);
    const libp2p = await createKnodeLibp2p({
      nodeKey: o.nodeKey,
      host: o.host,
      port: o.port,
      maxConnections: o.maxConnections,
      dialTimeoutMs: o.dialTimeoutMs,
      maxGossipBytes: Math.max(...GOSSIP_KINDS.map((k) => o.maxGossipBytes[k])),
      gossipHeartbeatMs: o.gossipHeartbeatMs,
      allowedTopics: GOSSIP_KINDS.map((k) => gossipTopic(chain.chainId, k)),
      connectionGater: {
        denyDialPeer: (p) => this.score.isBanned(p.toString()),
        denyInboundEncryptedConnection: (p) => this.score.isBanned(p.toString()),
        denyOutboundEncryptedConnection: (p) => this.score.isBanned(p.toString()),
      },
    });
    const base = { libp2p, logger: this.logger, stats: this.counters, penalize: this.penalize.bind(this) };
    const dialer = new StaticDialer(o, base);
    for (const addr of this.pendingStatic) dialer.add(addr);
    this.staticDialer = dialer;
    const reqResp = new ReqResp(o, base);
    const peers = new PeerManager(o, {
      ...base,
      reqResp,
      chain,
      isStatic: (id) => dialer.isStatic(id),
      emit: (event, info) => this.emit(event, info),
    });
    const gossip = new GossipRouter(
      { chainId: chain.chainId, allowedKinds: kinds, maxGossipBytes: o.maxGossipBytes },
      { ...base, pubsub: libp2p.services.pubsub, queues: this.queues, peerInfo: (id) => peers.get(id) },
    );
    const direct =
      chain.role === "cn"
        ? new DirectMessenger(o, { ...base, onMessage: (data, from) => this.onDirectMessage(data, from) })
        : undefined;
    const exchange = new PeerExchange(
      { ...o, discover: chain.role !== "cn" && !o.noDiscover, serve: chain.role !== "cn" },
      { ...base, reqResp, peers, isBanned: (id) => this.score.isBanned(id) },
    );
    const pruneTimer = setInterval(() => this.score.prune(), 60_000);
    this.running = { libp2p, reqResp, peers, gossip, direct, exchange, pruneTimer };
    await peers.start();
    await exchange.start();
    await direct?.start();
    for (const [method, handler] of this.requestHandlers) await this.registerRequestHandler(method, handler);
    for (const [kind, handler] of this.gossipHandlers) gossip.subscribe(kind, handler);
    await libp2p.start();
    gossip.start();
    dialer.start();
    this.logger.info({ id: this.peerId, role: chain.role, addrs: this.nodeInfo().p2p }, "p2p started");
  }

  async close(): Promise<void> {
    const r = this.running;
    if (r === undefined) return;
    this.running = undefined;
    clearInterval(r.pruneTimer);
    this.staticDialer?.stop();
    r.exchange.stop();
    r.peers.stop();
    r.gossip.stop();
    this.queues.close();
    r.direct?.close();
    await r.reqResp.close();
    await r.libp2p.stop();
    for (const l of Object.values(this.listeners)) l.clear();
  }

  subscribe(kind: GossipKind, handler: MessageHandler): void {
    this.gossipHandlers.set(kind, handler);
    this.running?.gossip.subscribe(kind, handler);
  }

  publish(kind: GossipKind, data: Uint8Array): Promise<number> {
    return this.require().gossip.publish(kind, data);
  }

  /** Queues `data` on the direct stream of each listed CN peer; returns how many peers it went to. */
  sendDirect(peerIds: string[], _protocol: DirectProtocol, data: Uint8Array): number {
    const r = this.require();
    if (r.direct === undefined) return 0;
    let n = 0;
    for (const id of peerIds) {
      const peer = r.peers.peerId(id);
      if (peer === undefined || r.peers.get(id)?.role !== "cn") continue;
      r.direct.send(peer, data);
      n++;
    }
    return n;
  }

  onDirect(_protocol: DirectProtocol, handler: MessageHandler): void {
    this.directHandler = handler;
  }

  async handle(method: string, handler: RequestHandler): Promise<void> {
    if (method === STATUS_METHOD || method === PEERS_METHOD) {
      throw new P2PError({ code: P2PErrorCode.METHOD_RESERVED, method });
    }
    if (this.requestHandlers.has(method)) throw new P2PError({ code: P2PErrorCode.METHOD_ALREADY_HANDLED, method });
    this.requestHandlers.set(method, handler);
    if (this.running !== undefined) await this.registerRequestHandler(method, handler);
  }

  async request(
    peerId: string,
    method: string,
    body: Uint8Array,
    o: { timeoutMs?: number } = {},
  ): Promise<Uint8Array[]> {
    const r = this.require();
    const peer = r.peers.peerId(peerId);
    if (peer === undefined) throw new P2PError({ code: P2PErrorCode.PEER_NOT_CONNECTED, peerId });
    return r.reqResp.request(peer, method, body, o);
  }

  penalize(peerId: string, severity: PenaltySeverity, reason: string): void {
    this.counters.penalties++;
    this.logger.debug({ peer: peerId, severity, reason }, "peer penalised");
    if (!this.score.penalize(peerId, severity)) return;
    this.counters.bans++;
    this.logger.info({ peer: peerId, reason }, "peer banned");
    const r = this.running;
    if (r === undefined) return;
    let peer: PeerId | undefined = r.peers.peerId(peerId);
    try {
      peer ??= peerIdFromString(peerId);
    } catch {
      return;
    }
    void r.libp2p.hangUp(peer).catch(() => {});
  }

  peerScore(peerId: string): number {
    return this.score.score(peerId);
  }

  isBanned(peerId: string): boolean {
    return this.score.isBanned(peerId);
  }

  peers(): PeerInfo[] {
    return this.running?.peers.list() ?? [];
  }

  nodeInfo(): NodeInfo {
    const addrs = this.running?.libp2p.getMultiaddrs().map((a) => a.toString()) ?? [];
    return {
      id: this.peerId,
      role: this.modules.chain.role,
      p2p: addrs.map((a) => (a.includes("/p2p/") ? a : `${a}/p2p/${this.peerId}`)),
    };
  }

  /** Adds a static peer (admin_addPeer): dialled now and kept connected. */
  addPeer(addr: string): void {
    this.pendingStatic.push(addr);
    this.staticDialer?.add(addr);
  }

  onPeer(event: PeerEvent, listener: PeerListener): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  /** Tells peers our head now instead of at the next poll (call after importing a block). */
  announceStatus(): void {
    this.running?.peers.announce();
  }

  meshPeers(kind: GossipKind): string[] {
    return this.running?.gossip.meshPeers(kind) ?? [];
  }

  stats(): P2PStats {
    return { ...this.counters, peersConnected: this.peers().length };
  }

  private require(): Running {
    if (this.running === undefined) throw new P2PError({ code: P2PErrorCode.NOT_STARTED });
    return this.running;
  }

  private async registerRequestHandler(method: string, handler: RequestHandler): Promise<void> {
    const r = this.require();
    await r.reqResp.register(method, (body, peer) => {
      const info = r.peers.get(peer.toString());
      // Requests are served to handshaked peers only: the handler always knows who is asking.
      if (info === undefined) return notHandshaked(peer.toString());
      return handler(body, info);
    });
  }

  private onDirectMessage(data: Uint8Array, from: PeerId): void {
    const r = this.running;
    const id = from.toString();
    const info = r?.peers.get(id);
    const handler = this.directHandler;
    if (info === undefined || handler === undefined) {
      this.counters.directDropped++;
      return;
    }
    if (info.role !== "cn") {
      this.penalize(id, "low", "direct consensus message from a non-CN");
      return;
    }
    this.queues.push("consensus", {
      run: async () => {
        let verdict: string;
        try {
          verdict = await handler(data, info);
        } catch (err) {
          this.logger.warn({ err: errorMessage(err) }, "direct handler threw");
          return;
        }
        if (verdict === "reject") this.penalize(id, "mid", "rejected direct consensus message");
      },
      drop: () => {
        this.counters.directDropped++;
      },
    });
  }

  private emit(event: PeerEvent, info: PeerInfo): void {
    if (event === "connected") {
      this.staticDialer?.handshakeSucceeded(info.id);
      this.running?.exchange.trigger();
    }
    for (const l of this.listeners[event]) {
      try {
        l(info);
      } catch (err) {
        this.logger.warn({ event, err: errorMessage(err) }, "peer listener threw");
      }
    }
  }
}

// biome-ignore lint/correctness/useYield: an answer that is only an error
async function* notHandshaked(peerId: string): AsyncGenerator<Uint8Array> {
  throw new P2PError({ code: P2PErrorCode.PEER_NOT_CONNECTED, peerId }, "status handshake not completed");
}

import type { GossipKind, PeerRole } from "./interface.js";
import { defaultPeerScoreOptions, type PeerScoreOptions } from "./peerScore.js";
import type { RateLimit } from "./rateLimiter.js";
import type { QueueOptions } from "./validationQueues.js";

export interface P2POptions {
  /** 32-byte secp256k1 node key: it is both the validator key and the libp2p identity. */
  nodeKey: Uint8Array;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  maxConnections: number;
  /** Handshaked peers allowed per remote role; static peers do not count against it. */
  maxPeersByRole: Record<PeerRole, number>;
  staticPeers: string[];
  bootnodes: string[];
  /** Disables peer exchange only; static peers and bootnodes are still dialled. */
  noDiscover: boolean;
  /** Topics this node may subscribe to; null means the role default (see defaultGossipKinds). */
  gossipKinds: GossipKind[] | null;
  dialTimeoutMs: number;
  handshakeTimeoutMs: number;
  /** Heads are re-announced when they change (polled at this period)... */
  statusPollMs: number;
  /** ...and unconditionally at this one, so a lost announcement heals. */
  statusRefreshMs: number;
  maxGossipBytes: Record<GossipKind, number>;
  gossipQueues: Record<GossipKind, QueueOptions>;
  /** Handlers (gossip and direct) running at once. */
  validationConcurrency: number;
  gossipHeartbeatMs: number;
  maxDirectBytes: number;
  /** Bytes buffered towards one slow peer before direct messages to it are dropped. */
  maxDirectBufferBytes: number;
  maxRequestBytes: number;
  maxResponseChunkBytes: number;
  maxResponseChunks: number;
  maxResponseBytes: number;
  requestTimeoutMs: number;
  /** Concurrent inbound streams per connection for each request method. */
  maxInboundRequestStreams: number;
  rateLimits: Record<string, RateLimit>;
  defaultRateLimit: RateLimit;
  score: PeerScoreOptions;
  discoveryIntervalMs: number;
  /** Discovery stops dialling once this many peers are handshaked. */
  targetPeers: number;
  maxPeersPerExchange: number;
  maxDialsPerDiscovery: number;
  redialMinMs: number;
  redialMaxMs: number;
}

const MiB = 1024 * 1024;

export const defaultP2POptions: Omit<P2POptions, "nodeKey"> = {
  host: "127.0.0.1",
  port: 32323,
  // Klaytn's --maxconnections default.
  maxConnections: 50,
  maxPeersByRole: { cn: 100, pn: 50, en: 50 },
  staticPeers: [],
  bootnodes: [],
  noDiscover: false,
  gossipKinds: null,
  dialTimeoutMs: 5_000,
  handshakeTimeoutMs: 5_000,
  // Half the block period: heads propagate within one block.
  statusPollMs: 500,
  statusRefreshMs: 30_000,
  // Blocks carry up to a few thousand txs; consensus messages may embed a proposed block.
  maxGossipBytes: { consensus: 10 * MiB, block: 10 * MiB, tx: 128 * 1024 },
  gossipQueues: {
    consensus: { maxLength: 4096, drop: "oldest" },
    block: { maxLength: 256, drop: "oldest" },
    tx: { maxLength: 16_384, drop: "newest" },
  },
  validationConcurrency: 64,
  // Below the 1 s block period so meshes repair within a block.
  gossipHeartbeatMs: 700,
  maxDirectBytes: 10 * MiB,
  maxDirectBufferBytes: 32 * MiB,
  maxRequestBytes: 4096,
  maxResponseChunkBytes: 10 * MiB,
  maxResponseChunks: 1024,
  maxResponseBytes: 64 * MiB,
  requestTimeoutMs: 10_000,
  maxInboundRequestStreams: 4,
  rateLimits: {
    status: { capacity: 20, refillPerSecond: 5 },
    peers: { capacity: 5, refillPerSecond: 0.2 },
    blocks_by_range: { capacity: 20, refillPerSecond: 10 },
  },
  defaultRateLimit: { capacity: 50, refillPerSecond: 20 },
  score: defaultPeerScoreOptions,
  discoveryIntervalMs: 10_000,
  targetPeers: 25,
  maxPeersPerExchange: 16,
  maxDialsPerDiscovery: 4,
  redialMinMs: 500,
  redialMaxMs: 30_000,
};

export type P2PInitOptions = Partial<P2POptions> & Pick<P2POptions, "nodeKey">;

export function resolveP2POptions(opts: P2PInitOptions): P2POptions {
  const d = defaultP2POptions;
  return {
    ...d,
    ...opts,
    maxPeersByRole: { ...d.maxPeersByRole, ...opts.maxPeersByRole },
    maxGossipBytes: { ...d.maxGossipBytes, ...opts.maxGossipBytes },
    gossipQueues: { ...d.gossipQueues, ...opts.gossipQueues },
    rateLimits: { ...d.rateLimits, ...opts.rateLimits },
    score: { ...d.score, ...opts.score, penalties: { ...d.score.penalties, ...opts.score?.penalties } },
  };
}

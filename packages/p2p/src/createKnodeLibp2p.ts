import { createHash } from "node:crypto";
// Installs the Promise.withResolvers polyfill before libp2p loads (Node 20 lacks it).
import "@knode/common";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { privateKeyFromRaw } from "@libp2p/crypto/keys";
import {
  type GossipSub,
  type GossipSubComponents,
  gossipsub,
  StrictNoSign,
  type TopicValidatorResult,
} from "@libp2p/gossipsub";
import { type Identify, identify } from "@libp2p/identify";
import type { ConnectionGater, Libp2p } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import { createLibp2p } from "libp2p";
import { P2PError, P2PErrorCode } from "./errors.js";

/** The gossipsub class surface we rely on beyond its published interface (async validation, meshes). */
export interface ValidatingPubsub extends GossipSub {
  reportMessageValidationResult(msgId: string, propagationSource: string, acceptance: TopicValidatorResult): void;
  getMeshPeers(topic: string): string[];
}

export interface KnodeServices extends Record<string, unknown> {
  identify: Identify;
  pubsub: ValidatingPubsub;
}

export type KnodeLibp2p = Libp2p<KnodeServices>;

export interface KnodeLibp2pOptions {
  /** 32-byte secp256k1 node key. */
  nodeKey: Uint8Array;
  host: string;
  port: number;
  maxConnections: number;
  dialTimeoutMs: number;
  /** Largest gossip payload of any topic. */
  maxGossipBytes: number;
  gossipHeartbeatMs: number;
  /** Only these topics are tracked, so a peer cannot make us hold state for arbitrary topic names. */
  allowedTopics: string[];
  connectionGater?: ConnectionGater;
}

/** Room for the gossipsub RPC envelope (topic, control messages) around the largest payload. */
const RPC_OVERHEAD_BYTES = 64 * 1024;

function asValidatingPubsub(p: GossipSub): ValidatingPubsub {
  const candidate = p as Partial<ValidatingPubsub>;
  if (typeof candidate.reportMessageValidationResult !== "function" || typeof candidate.getMeshPeers !== "function") {
    throw new P2PError({ code: P2PErrorCode.INVALID_OPTIONS, reason: "gossipsub lacks async validation" });
  }
  return p as ValidatingPubsub;
}

/** Message ids hash the payload only: our messages are unsigned at the libp2p level (StrictNoSign). */
export function gossipMessageId(data: Uint8Array): Uint8Array {
  return createHash("sha256").update(data).digest();
}

/**
 * The one place where libp2p is configured. Every limit is spelled out so that behaviour does not
 * shift silently with library defaults.
 */
export async function createKnodeLibp2p(opts: KnodeLibp2pOptions): Promise<KnodeLibp2p> {
  if (opts.nodeKey.length !== 32) {
    throw new P2PError({ code: P2PErrorCode.INVALID_OPTIONS, reason: "node key must be 32 bytes" });
  }
  const maxRpcBytes = opts.maxGossipBytes + RPC_OVERHEAD_BYTES;
  const pubsubFactory = gossipsub({
    globalSignaturePolicy: StrictNoSign,
    asyncValidation: true,
    emitSelf: false,
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    // Peers are chosen by role and council, not advertised by strangers.
    doPX: false,
    fallbackToFloodsub: false,
    floodPublish: true,
    heartbeatInterval: opts.gossipHeartbeatMs,
    msgIdFn: (msg) => gossipMessageId(msg.data),
    msgIdToStrFn: (id) => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("base64"),
    allowedTopics: opts.allowedTopics,
    maxInboundDataLength: maxRpcBytes,
    maxOutboundBufferSize: 4 * maxRpcBytes,
    maxInboundStreams: 2,
    maxOutboundStreams: 2,
    messageProcessingConcurrency: 16,
  });
  return createLibp2p<KnodeServices>({
    start: false,
    privateKey: privateKeyFromRaw(opts.nodeKey),
    addresses: { listen: [`/ip4/${opts.host}/tcp/${opts.port}`] },
    transports: [
      tcp({
        maxConnections: opts.maxConnections * 2,
        inboundSocketInactivityTimeout: 5 * 60_000,
        outboundSocketInactivityTimeout: 5 * 60_000,
        dialOpts: { noDelay: true, keepAlive: true },
        listenOpts: { noDelay: true, keepAlive: true },
      }),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [
      yamux({
        maxInboundStreams: 256,
        maxOutboundStreams: 256,
        maxEarlyStreams: 10,
        maxMessageSize: 64 * 1024,
        enableKeepAlive: true,
        keepAliveInterval: 30_000,
        streamOptions: { inactivityTimeout: 10 * 60_000 },
      }),
    ],
    connectionManager: {
      maxConnections: opts.maxConnections,
      maxParallelDials: 16,
      maxDialQueueLength: 128,
      maxPeerAddrsToDial: 8,
      dialTimeout: opts.dialTimeoutMs,
      inboundUpgradeTimeout: opts.dialTimeoutMs,
      maxIncomingPendingConnections: 16,
      // Localnets run every node on 127.0.0.1; a per-host cap of libp2p's default (5/s) would refuse them.
      inboundConnectionThreshold: 100,
      // Our own dialer redials static peers with backoff; libp2p's would race it.
      reconnectRetries: 0,
    },
    connectionMonitor: { enabled: true, pingInterval: 10_000, abortConnectionOnPingFailure: true },
    connectionGater: opts.connectionGater,
    services: {
      identify: identify({
        timeout: opts.dialTimeoutMs,
        maxMessageSize: 8192,
        maxInboundStreams: 2,
        maxOutboundStreams: 2,
      }),
      pubsub: (components: GossipSubComponents) => asValidatingPubsub(pubsubFactory(components)),
    },
  });
}

import type { Logger } from "@knode/common";
import type { GossipsubMessage } from "@libp2p/gossipsub";
import { TopicValidatorResult } from "@libp2p/gossipsub";
import type { ValidatingPubsub } from "./createKnodeLibp2p.js";
import { P2PError, P2PErrorCode } from "./errors.js";
import type {
  GossipKind,
  MessageHandler,
  P2PStats,
  PeerInfo,
  PeerRole,
  PenaltySeverity,
  Verdict,
} from "./interface.js";
import type { ValidationQueues } from "./validationQueues.js";

export function gossipTopic(chainId: bigint, kind: GossipKind): string {
  return `/klay/${chainId}/${kind}/1`;
}

/** Consensus messages only ever come from CNs (SPEC §5); anything else on that topic is an attack. */
const SENDER_ROLES: Record<GossipKind, readonly PeerRole[]> = {
  consensus: ["cn"],
  block: ["cn", "pn", "en"],
  tx: ["cn", "pn", "en"],
};

const RESULT: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject,
};

export interface GossipRouterOptions {
  chainId: bigint;
  allowedKinds: readonly GossipKind[];
  maxGossipBytes: Record<GossipKind, number>;
}

export interface GossipRouterModules {
  pubsub: ValidatingPubsub;
  queues: ValidationQueues;
  logger: Logger;
  stats: P2PStats;
  peerInfo(peerId: string): PeerInfo | undefined;
  penalize(peerId: string, severity: PenaltySeverity, reason: string): void;
}

/**
 * Bridges gossipsub's async validation to our handlers: every message waits in the bounded queue of its
 * kind, and gossipsub forwards it only once the handler's verdict is reported.
 */
export class GossipRouter {
  private readonly handlers = new Map<GossipKind, MessageHandler>();
  private readonly kindByTopic = new Map<string, GossipKind>();
  private started = false;
  private readonly listener = (evt: CustomEvent<GossipsubMessage>) => this.onMessage(evt.detail);

  constructor(
    private readonly opts: GossipRouterOptions,
    private readonly modules: GossipRouterModules,
  ) {
    for (const kind of opts.allowedKinds) this.kindByTopic.set(gossipTopic(opts.chainId, kind), kind);
  }

  start(): void {
    this.started = true;
    this.modules.pubsub.addEventListener("gossipsub:message", this.listener);
    for (const kind of this.handlers.keys()) this.modules.pubsub.subscribe(this.topic(kind));
  }

  stop(): void {
    this.started = false;
    this.modules.pubsub.removeEventListener("gossipsub:message", this.listener);
  }

  subscribe(kind: GossipKind, handler: MessageHandler): void {
    if (!this.opts.allowedKinds.includes(kind)) throw new P2PError({ code: P2PErrorCode.TOPIC_NOT_ALLOWED, kind });
    this.handlers.set(kind, handler);
    if (this.started) this.modules.pubsub.subscribe(this.topic(kind));
  }

  /** Returns how many peers the message was sent to (0 is not an error: a lone CN still makes blocks). */
  async publish(kind: GossipKind, data: Uint8Array): Promise<number> {
    const max = this.opts.maxGossipBytes[kind];
    if (data.length > max) throw new P2PError({ code: P2PErrorCode.MESSAGE_TOO_LARGE, size: data.length, max });
    const res = await this.modules.pubsub.publish(this.topic(kind), data);
    this.modules.stats.gossipPublished++;
    return res.recipients.length;
  }

  meshPeers(kind: GossipKind): string[] {
    return this.modules.pubsub.getMeshPeers(this.topic(kind));
  }

  private topic(kind: GossipKind): string {
    return gossipTopic(this.opts.chainId, kind);
  }

  private onMessage({ msgId, propagationSource, msg }: GossipsubMessage): void {
    const { pubsub, stats, queues, penalize } = this.modules;
    const from = propagationSource.toString();
    const report = (v: Verdict) => pubsub.reportMessageValidationResult(msgId, from, RESULT[v]);
    stats.gossipReceived++;
    const kind = this.kindByTopic.get(msg.topic);
    const handler = kind === undefined ? undefined : this.handlers.get(kind);
    const peer = this.modules.peerInfo(from);
    if (kind === undefined || handler === undefined || peer === undefined) {
      // Not ours, or a peer still in its handshake: neither forward nor blame.
      stats.gossipIgnored++;
      report("ignore");
      return;
    }
    if (msg.data.length > this.opts.maxGossipBytes[kind] || !SENDER_ROLES[kind].includes(peer.role)) {
      stats.gossipRejected++;
      report("reject");
      penalize(from, "low", `invalid ${kind} gossip`);
      return;
    }
    queues.push(kind, {
      run: async () => {
        let verdict: Verdict;
        try {
          // A plain copy: gossipsub may hand out a Node Buffer, whose slice() is a view, not a copy.
          verdict = await handler(new Uint8Array(msg.data), peer);
        } catch (err) {
          this.modules.logger.warn({ kind, err: String(err) }, "gossip handler threw");
          verdict = "ignore";
        }
        report(verdict);
        if (verdict === "accept") stats.gossipAccepted++;
        else if (verdict === "ignore") stats.gossipIgnored++;
        else {
          stats.gossipRejected++;
          penalize(from, "mid", `rejected ${kind} gossip`);
        }
      },
      drop: () => report("ignore"),
    });
  }
}

import { type Chain, ChainErrorCode } from "@knode/chain";
import { bytesToHex, errorMessage, isKnodeError, type Logger } from "@knode/common";
import type { IstanbulEngine, Proposal } from "@knode/consensus";
import { keccak256, type SigVerifier } from "@knode/crypto";
import type { P2PNetwork, PeerRole, Verdict } from "@knode/p2p";
import type { TxPool } from "@knode/txpool";
import {
  type Block,
  decodeBlockBody,
  decodeBlockHeader,
  decodeTransaction,
  encodeBlock,
  rlpDecode,
  rlpEncode,
  type Transaction,
} from "@knode/types";
import type { BlockSync } from "./blockSync.js";
import type { NodeMetrics } from "./metrics.js";

/** Gossiped blocks waiting for execution before further ones are left to sync. */
const MAX_QUEUED_IMPORTS = 16;

export interface NodeNetworkOptions {
  role: PeerRole;
  /** Txs per gossip message; the tx topic caps messages at 128 KiB. */
  txBatchMax: number;
  /** How long a partial batch waits for more txs before it is sent. */
  txBatchDelayMs: number;
  /**
   * Local txs still pending are gossiped again at this interval (Klaytn's tx resend): a batch lost while
   * the mesh formed, or dropped by a busy CN, still reaches the council.
   */
  txResendIntervalMs: number;
  /** Local txs remembered for resending; older ones are forgotten first. */
  txResendMax: number;
}

export const defaultNodeNetworkOptions: Omit<NodeNetworkOptions, "role"> = {
  txBatchMax: 256,
  txBatchDelayMs: 20,
  txResendIntervalMs: 4_000,
  txResendMax: 4096,
};

/** Recently seen tx hashes, so a gossiped batch is de-duplicated before any decoding. */
const SEEN_TX_CAPACITY = 65_536;

/**
 * Glue between p2p and the chain: finalized blocks out (CNs publish, gossip relays), blocks in (import if
 * they extend the head, else sync), consensus messages to and from the engine, and transactions in
 * batches. Every handler returns a verdict so p2p forwards only what we accepted and penalises garbage.
 */
export class NodeNetwork {
  private readonly opts: NodeNetworkOptions;
  private readonly seenTxs = new Set<string>();
  private txQueue: Uint8Array[] = [];
  /** Gossiped blocks waiting for execution, chained so they import in arrival order. */
  private imports: Promise<void> = Promise.resolve();
  private queuedImports = 0;
  private txTimer: NodeJS.Timeout | undefined;
  private resendTimer: NodeJS.Timeout | undefined;
  /** Local txs (by hash) not yet seen in a block, for resending. */
  private readonly localTxs = new Map<string, Transaction>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    opts: Partial<NodeNetworkOptions> & { role: PeerRole },
    private readonly m: {
      logger: Logger;
      p2p: P2PNetwork;
      chain: Chain;
      pool: TxPool;
      sync: BlockSync;
      engine?: IstanbulEngine<Proposal>;
      /** Gossiped tx batches are taken only while it can accept work (back-pressure). */
      sigVerifier: Pick<SigVerifier, "canAcceptWork">;
      metrics?: Pick<NodeMetrics, "txBatchesDropped">;
    },
  ) {
    this.opts = { ...defaultNodeNetworkOptions, ...opts };
  }

  async start(): Promise<void> {
    const { p2p, chain, engine, sync } = this.m;
    await sync.start();
    p2p.subscribe("block", (data) => this.onBlock(data));
    p2p.subscribe("tx", (data) => this.onTxs(data));
    if (engine) {
      p2p.onDirect("consensus", (data) => engine.handleMessage(data));
      this.unsubscribe.push(engine.onBehind(() => sync.trigger()));
    }
    this.resendTimer = setInterval(() => this.resendPending(), this.opts.txResendIntervalMs);
    this.resendTimer.unref();
    if (this.opts.role === "cn") {
      // Every CN commits the same block; receivers drop repeats by height.
      this.unsubscribe.push(
        chain.onNewBlock((block) => {
          p2p
            .publish("block", encodeBlock(block))
            .catch((e) => this.m.logger.debug({ err: errorMessage(e) }, "block publish failed"));
        }),
      );
    }
  }

  /** A transaction accepted from a local client: gossip it towards the CNs (batched). */
  broadcastTx(tx: Transaction): void {
    const key = bytesToHex(tx.hash);
    this.remember(key);
    if (this.opts.role !== "cn") {
      if (this.localTxs.size >= this.opts.txResendMax)
        this.localTxs.delete(this.localTxs.keys().next().value as string);
      this.localTxs.set(key, tx);
    }
    this.txQueue.push(tx.raw);
    if (this.txQueue.length >= this.opts.txBatchMax) this.flushTxs();
    else this.txTimer ??= setTimeout(() => this.flushTxs(), this.opts.txBatchDelayMs);
  }

  /** Stops timers and subscriptions, then lets queued block imports finish. */
  async close(): Promise<void> {
    if (this.resendTimer) clearInterval(this.resendTimer);
    if (this.txTimer) clearTimeout(this.txTimer);
    this.txTimer = undefined;
    for (const u of this.unsubscribe.splice(0)) u();
    await this.imports;
  }

  /** Re-gossips local txs the pool still holds; those gone from the pool (included or dropped) are forgotten. */
  private resendPending(): void {
    for (const [key, tx] of this.localTxs) {
      if (!this.m.pool.has(tx.hash)) {
        this.localTxs.delete(key);
        continue;
      }
      this.txQueue.push(tx.raw);
    }
    if (this.txQueue.length > 0) this.flushTxs();
  }

  private flushTxs(): void {
    if (this.txTimer) clearTimeout(this.txTimer);
    this.txTimer = undefined;
    const batch = this.txQueue.splice(0, this.opts.txBatchMax);
    if (batch.length === 0) return;
    this.m.p2p
      .publish("tx", rlpEncode(batch))
      .catch((e) => this.m.logger.debug({ err: errorMessage(e) }, "tx publish failed"));
    if (this.txQueue.length > 0) this.txTimer = setTimeout(() => this.flushTxs(), 0);
  }

  private async onBlock(data: Uint8Array): Promise<Verdict> {
    let block: Block;
    try {
      const { header, bodyBytes } = decodeBlockHeader(data);
      // Every CN publishes each block it commits, so most copies are of a block held or relayed already:
      // dropped on the header, before their transactions are decoded and hashed.
      if (header.number <= this.m.sync.relayedHeight()) return "ignore";
      block = { header, transactions: decodeBlockBody(bodyBytes) };
    } catch {
      return "reject";
    }
    // A node whose imports fall this far behind catches up by sync rather than queueing more blocks.
    if (this.queuedImports >= MAX_QUEUED_IMPORTS) {
      this.m.sync.trigger();
      return "ignore";
    }
    try {
      if ((await this.m.sync.relayCheck(block)) !== "next") return "ignore";
    } catch (e) {
      this.m.logger.warn({ number: block.header.number.toString(), err: errorMessage(e) }, "gossiped block refused");
      return "reject";
    }
    // Relayed now, executed in order behind any import already queued.
    this.queuedImports++;
    this.imports = this.imports
      .then(() => this.importGossiped(block))
      .finally(() => {
        this.queuedImports--;
      });
    return "accept";
  }

  private async importGossiped(block: Block): Promise<void> {
    const started = performance.now();
    try {
      if ((await this.m.sync.importGossiped(block)) !== "imported") return;
      // CNs log their own commits (the engine); relays and endpoints log each block they take from gossip.
      if (this.opts.role !== "cn") {
        this.m.logger.info(
          {
            number: block.header.number.toString(),
            txs: block.transactions.length,
            importMs: Math.round(performance.now() - started),
          },
          "imported block",
        );
      }
    } catch (e) {
      // Blocks relayed after this one were checked against it: start over from the head, by sync.
      this.m.sync.forgetRelayTip();
      this.m.sync.trigger();
      if (isKnodeError(e, ChainErrorCode.NOT_HEAD_CHILD)) return;
      // Sealed by the committee yet not executable here: a consensus fault or a local problem, not the
      // relaying peer's; sync will fetch the block again from others.
      this.m.logger.error(
        { number: block.header.number.toString(), err: errorMessage(e) },
        "gossiped block failed import",
      );
    }
  }

  private async onTxs(data: Uint8Array): Promise<Verdict> {
    // Saturated signature recovery: drop the batch before any work rather than queue it. Nothing is marked
    // seen, so the same txs are taken when a peer resends them (every txResendIntervalMs), and "ignore"
    // keeps us from relaying what we did not check. There is no intake queue to grow.
    if (!this.m.sigVerifier.canAcceptWork()) {
      this.m.metrics?.txBatchesDropped.inc();
      return "ignore";
    }
    let raws: Uint8Array[];
    try {
      const list = rlpDecode(data);
      if (!Array.isArray(list) || list.some((x) => !(x instanceof Uint8Array))) return "reject";
      raws = list as Uint8Array[];
    } catch {
      return "reject";
    }
    const fresh: Transaction[] = [];
    let stillPending = false;
    for (const raw of raws) {
      const hash = keccak256(raw);
      const key = bytesToHex(hash);
      if (this.seenTxs.has(key)) {
        stillPending ||= this.m.pool.has(hash);
        continue;
      }
      this.remember(key);
      try {
        fresh.push(decodeTransaction(raw, hash));
      } catch {
        return "reject";
      }
    }
    // A batch of txs we already hold but that are still pending is a resend: relay it on towards the CNs.
    if (fresh.length === 0) return stillPending && this.opts.role !== "cn" ? "accept" : "ignore";
    const results = await this.m.pool.addBatch(fresh);
    return results.some((r) => !(r instanceof Error)) ? "accept" : "ignore";
  }

  private remember(key: string): void {
    if (this.seenTxs.size >= SEEN_TX_CAPACITY) {
      // Forget the oldest half; a Set iterates in insertion order.
      let drop = SEEN_TX_CAPACITY / 2;
      for (const k of this.seenTxs) {
        if (drop-- <= 0) break;
        this.seenTxs.delete(k);
      }
    }
    this.seenTxs.add(key);
  }
}

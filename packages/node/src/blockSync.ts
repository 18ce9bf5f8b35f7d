import { type BuiltBlock, type Chain, ChainError, ChainErrorCode } from "@knode/chain";
import { bytesToHex, equalBytes, errorMessage, isKnodeError, type Logger } from "@knode/common";
import { CryptoErrorCode } from "@knode/crypto";
import type { P2PNetwork, PeerInfo } from "@knode/p2p";
import { orderedTrieRoot } from "@knode/state";
import {
  type Block,
  decodeBlock,
  encodeBlock,
  type Header,
  headerHash,
  rlpDecode,
  rlpEncode,
  rlpNumber,
} from "@knode/types";
import type { BlockSenderRecovery } from "./recoverBlockSenders.js";

export const BLOCKS_BY_RANGE = "blocks_by_range";

export interface BlockSyncOptions {
  /** Blocks asked per request; the server caps it too. */
  batchSize: number;
  /** Largest batch a peer may ask of us. */
  maxServe: number;
  requestTimeoutMs: number;
}

export const defaultBlockSyncOptions: BlockSyncOptions = { batchSize: 64, maxServe: 128, requestTimeoutMs: 10_000 };

export type ImportVerifier = (header: Header, parent: Header, parentHash: Uint8Array) => unknown;

/**
 * Catch-up over request/response: serves `blocks_by_range` from the chain, and when a peer reports a
 * higher head, downloads the missing blocks from the best peers in batches, verifying every seal against
 * the council (the import verifier) and re-executing every block before it lands. A peer whose block
 * fails is penalised and the next peer is tried.
 */
export class BlockSync {
  private readonly opts: BlockSyncOptions;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** Blocks whose body relayCheck matched with their tx root (import then skips that hashing). */
  private readonly bodyChecked = new WeakSet<Block>();
  /** The newest block that passed relayCheck, possibly not imported yet. */
  private relayTip: { header: Header; hash: Uint8Array } | undefined;

  constructor(
    opts: Partial<BlockSyncOptions>,
    private readonly m: {
      logger: Logger;
      chain: Chain;
      p2p: P2PNetwork;
      verify: ImportVerifier;
      /** Fills tx senders off the main thread before import; without it the executor recovers them inline. */
      recoverSenders?: BlockSenderRecovery;
      /**
       * A CN's own execution result for a block it is deciding (the consensus engine's): a gossiped copy of
       * that block is then committed from it instead of being executed a second time.
       */
      verifiedPayload?: (hash: Uint8Array) => BuiltBlock | undefined;
    },
  ) {
    this.opts = { ...defaultBlockSyncOptions, ...opts };
  }

  async start(): Promise<void> {
    await this.m.p2p.handle(BLOCKS_BY_RANGE, (body) => this.serve(body));
    this.m.p2p.onPeer("status", (peer) => {
      if (peer.head.number > this.m.chain.headNumber) this.trigger();
    });
    this.m.p2p.onPeer("connected", (peer) => {
      if (peer.head.number > this.m.chain.headNumber) this.trigger();
    });
  }

  /** Starts a sync round unless one runs; a trigger during a round causes one more round. */
  trigger(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        this.trigger();
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  /** The height relayCheck calls known: a gossiped block at or below it is a copy of one held or relayed. */
  relayedHeight(): bigint {
    return this.relayBase().header.number;
  }

  /**
   * What relay checks compare against: the last block passed on for import when that is ahead of the
   * head, so blocks keep flowing while their predecessor still executes; otherwise the head.
   */
  private relayBase(): { header: Header; hash: Uint8Array } {
    const chainHead = this.m.chain.head();
    return this.relayTip && this.relayTip.header.number > chainHead.header.number ? this.relayTip : chainHead;
  }

  /**
   * The checks a gossiped block must pass before we relay it: it is the head's child, its seals satisfy
   * the committee (the import verifier) and its body matches the header's tx root. Re-execution comes
   * after (`importGossiped`), so a block crosses each PN/EN hop without waiting for it, as geth relays
   * after the header checks. Throws when the block is bad; a gap starts a sync round.
   */
  async relayCheck(block: Block): Promise<"next" | "known" | "ahead"> {
    const head = this.relayBase();
    if (block.header.number <= head.header.number) return "known";
    if (block.header.number > head.header.number + 1n) {
      this.trigger();
      return "ahead";
    }
    if (!equalBytes(block.header.parentHash, head.hash)) return "known"; // a sibling of a block we hold
    try {
      this.m.verify(block.header, head.header, head.hash);
    } catch (e) {
      // Against a parent still waiting for import the committee view may lag (a council change in that
      // parent): not proof of a bad block, so leave it to import and sync rather than blame the sender.
      if (head === this.relayTip) return "ahead";
      throw e;
    }
    const txRoot = await orderedTrieRoot(block.transactions.map((t) => t.raw));
    if (!equalBytes(txRoot, block.header.txRoot)) {
      throw new ChainError(
        {
          code: ChainErrorCode.TX_ROOT_MISMATCH,
          expected: bytesToHex(block.header.txRoot),
          actual: bytesToHex(txRoot),
        },
        "block body does not match its tx root",
      );
    }
    this.bodyChecked.add(block);
    this.relayTip = { header: block.header, hash: headerHash(block.header) };
    return "next";
  }

  /** Drops the pending relay tip (its import failed), so relay checks start from the head again. */
  forgetRelayTip(): void {
    this.relayTip = undefined;
  }

  /** Imports one block that arrived by gossip if it extends the head; a gap starts a sync round. */
  async importGossiped(block: Block): Promise<"imported" | "known" | "ahead"> {
    const head = this.m.chain.head();
    if (block.header.number <= head.header.number) return "known";
    if (block.header.number > head.header.number + 1n) {
      this.trigger();
      return "ahead";
    }
    const payload = this.m.verifiedPayload?.(headerHash(block.header));
    if (payload) {
      // The seals are the gossiped header's own; the body and state are what this node executed for it.
      this.m.verify(block.header, head.header, head.hash);
      await this.m.chain.commitProposal(payload, block.header);
      return "imported";
    }
    await this.m.recoverSenders?.(block.transactions);
    await this.m.chain.importBlock(block, this.m.verify, { txRootChecked: this.bodyChecked.has(block) });
    return "imported";
  }

  private async *serve(body: Uint8Array): AsyncIterable<Uint8Array> {
    const [fromRaw, countRaw] = rlpDecode(body) as Uint8Array[];
    const from = BigInt(rlpNumber(fromRaw, "from"));
    const count = Math.min(rlpNumber(countRaw, "count"), this.opts.maxServe);
    for (let n = from; n < from + BigInt(count); n++) {
      const h = await this.m.chain.getHeaderByNumber(n);
      if (!h) return;
      const block = await this.m.chain.getBlock(h.hash);
      if (!block) return;
      yield encodeBlock(block);
    }
  }

  private bestPeers(): PeerInfo[] {
    const head = this.m.chain.headNumber;
    return this.m.p2p
      .peers()
      .filter((p) => p.head.number > head)
      .sort((a, b) => (a.head.number > b.head.number ? -1 : a.head.number < b.head.number ? 1 : 0));
  }

  private async loop(): Promise<void> {
    const started = performance.now();
    const startHead = this.m.chain.headNumber;
    let lastLog = started;
    for (;;) {
      if (this.closed) return;
      const peers = this.bestPeers();
      if (peers.length === 0) break;
      const target = peers[0].head.number;
      let progressed = false;
      for (const peer of peers) {
        const got = await this.fetchFrom(peer);
        if (got > 0) {
          progressed = true;
          break;
        }
      }
      if (!progressed) break;
      const now = performance.now();
      if (now - lastLog > 2_000) {
        const done = Number(this.m.chain.headNumber - startHead);
        this.m.logger.info(
          {
            height: this.m.chain.headNumber.toString(),
            target: target.toString(),
            blocksPerSec: Math.round((done * 1000) / (now - started)),
          },
          "syncing",
        );
        lastLog = now;
      }
    }
    const done = this.m.chain.headNumber - startHead;
    if (done > 0n) {
      this.m.logger.info(
        {
          height: this.m.chain.headNumber.toString(),
          blocks: done.toString(),
          seconds: ((performance.now() - started) / 1000).toFixed(1),
        },
        "sync round done",
      );
    }
  }

  /** Fetches and imports one batch from `peer`; returns how many blocks were imported. */
  private async fetchFrom(peer: PeerInfo): Promise<number> {
    const from = this.m.chain.headNumber + 1n;
    const want = peer.head.number - from + 1n;
    const count = Number(want < BigInt(this.opts.batchSize) ? want : BigInt(this.opts.batchSize));
    let chunks: Uint8Array[];
    try {
      chunks = await this.m.p2p.request(peer.id, BLOCKS_BY_RANGE, rlpEncode([from, count]), {
        timeoutMs: this.opts.requestTimeoutMs,
      });
    } catch (e) {
      this.m.logger.debug({ peer: peer.id, err: errorMessage(e) }, "block request failed");
      return 0;
    }
    let imported = 0;
    // Every block's senders are requested at once (one verifier call per block, which the worker pool packs
    // into shared tasks), so recovery of later blocks overlaps the execution of earlier ones. Failures are
    // kept as values until their block's turn; an early stop leaves no unhandled rejection behind.
    const blocks: (Block | Error)[] = chunks.map((chunk) => {
      try {
        return decodeBlock(chunk);
      } catch (e) {
        return e instanceof Error ? e : new Error(errorMessage(e));
      }
    });
    const recovered = blocks.map((b) =>
      b instanceof Error || !this.m.recoverSenders
        ? undefined
        : this.m.recoverSenders(b.transactions).then(
            () => undefined,
            (e: unknown) => (e instanceof Error ? e : new Error(errorMessage(e))),
          ),
    );
    for (let i = 0; i < blocks.length; i++) {
      try {
        const block = blocks[i];
        if (block instanceof Error) throw block;
        const head = this.m.chain.headNumber;
        if (block.header.number <= head) continue; // arrived meanwhile by gossip
        if (block.header.number !== head + 1n) throw new Error(`block ${block.header.number} out of sequence`);
        const bad = await recovered[i];
        if (bad) throw bad;
        await this.m.chain.importBlock(block, this.m.verify);
        imported++;
      } catch (e) {
        if (isKnodeError(e, ChainErrorCode.NOT_HEAD_CHILD)) continue; // the head moved under us; not the peer's fault
        if (isKnodeError(e, CryptoErrorCode.VERIFIER_CLOSED)) return imported; // shutting down
        // Anything else means the peer served a block that does not decode, verify or execute.
        this.m.logger.warn({ peer: peer.id, err: errorMessage(e) }, "peer served a bad block");
        this.m.p2p.penalize(peer.id, "fatal", `bad block: ${errorMessage(e)}`);
        return imported;
      }
    }
    return imported;
  }
}

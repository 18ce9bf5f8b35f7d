import { bytesToHex, equalBytes } from "@knode/common";
import type { Block, Header } from "@knode/types";
import { committeeFor } from "../committee.js";
import type { CommitMessage, PrepareMessage, RoundChangeMessage } from "../messages/consensusMessage.js";
import { type ProposerPolicy, selectProposer } from "../proposer.js";
import { quorumSize } from "../quorum.js";

/** One vote per sender per round: a repeat is a duplicate, a different vote an equivocation. */
export class VoteSet<M extends { signer: Uint8Array; signedBytes: Uint8Array }> {
  private readonly bySender = new Map<string, M>();

  add(m: M): "added" | "duplicate" | "conflict" {
    const key = bytesToHex(m.signer);
    const prev = this.bySender.get(key);
    if (prev) return equalBytes(prev.signedBytes, m.signedBytes) ? "duplicate" : "conflict";
    this.bySender.set(key, m);
    return "added";
  }

  get size(): number {
    return this.bySender.size;
  }

  values(): M[] {
    return [...this.bySender.values()];
  }

  matching(digest: Uint8Array): (M & { digest: Uint8Array })[] {
    const out: (M & { digest: Uint8Array })[] = [];
    for (const m of this.bySender.values()) {
      const d = (m as { digest?: Uint8Array }).digest;
      if (d && equalBytes(d, digest)) out.push(m as M & { digest: Uint8Array });
    }
    return out;
  }
}

/** The block of the current round, verified (or built) and ready to be committed. */
export interface CurrentProposal<P> {
  round: number;
  digest: Uint8Array;
  block: Block;
  blockBytes: Uint8Array;
  payload: P;
}

/** A prepared certificate: the block and the quorum of prepares for it. */
export interface LockedBlock<P> {
  round: number;
  digest: Uint8Array;
  block: Block;
  blockBytes: Uint8Array;
  prepares: PrepareMessage[];
  /** Execution result, when this node has one (absent after a restart until re-verified). */
  payload?: P;
}

export interface HeightInit {
  height: bigint;
  parent: Header;
  parentHash: Uint8Array;
  lastProposer: Uint8Array | undefined;
  council: Uint8Array[];
  policy: ProposerPolicy;
  sub: number;
}

/** Everything the core knows about the height it is deciding. Dropped whole when the height ends. */
export class HeightState<P> {
  readonly height: bigint;
  readonly parent: Header;
  readonly parentHash: Uint8Array;
  readonly lastProposer: Uint8Array | undefined;
  readonly council: Uint8Array[];
  round = 0;
  proposal: CurrentProposal<P> | undefined;
  lock: LockedBlock<P> | undefined;
  committed = false;
  readonly proposedRounds = new Set<number>();
  /** Rounds in which this node reached a prepare quorum (and sent, or tried to send, its commit). */
  readonly preparedRounds = new Set<number>();
  private readonly policy: ProposerPolicy;
  private readonly sub: number;
  private readonly committees = new Map<number, Uint8Array[]>();
  private readonly prepares = new Map<number, VoteSet<PrepareMessage>>();
  private readonly commits = new Map<number, VoteSet<CommitMessage>>();
  private readonly roundChanges = new Map<number, VoteSet<RoundChangeMessage>>();

  constructor(init: HeightInit) {
    this.height = init.height;
    this.parent = init.parent;
    this.parentHash = init.parentHash;
    this.lastProposer = init.lastProposer;
    this.council = init.council;
    this.policy = init.policy;
    this.sub = init.sub;
  }

  committeeOf(round: number): Uint8Array[] {
    let c = this.committees.get(round);
    if (!c) {
      c = committeeFor(this.council, this.parentHash, this.lastProposer, round, this.policy, this.sub);
      this.committees.set(round, c);
    }
    return c;
  }

  proposerOf(round: number): Uint8Array {
    return selectProposer(this.council, this.lastProposer, round, this.policy);
  }

  quorumOf(round: number): number {
    return quorumSize(this.committeeOf(round).length);
  }

  preparesOf(round: number): VoteSet<PrepareMessage> {
    return getOrCreate(this.prepares, round);
  }

  commitsOf(round: number): VoteSet<CommitMessage> {
    return getOrCreate(this.commits, round);
  }

  roundChangesOf(round: number): VoteSet<RoundChangeMessage> {
    return getOrCreate(this.roundChanges, round);
  }

  /** Rounds above `round` with stored round changes, and each sender's lowest such round. */
  futureRoundChangeSenders(round: number): Map<string, number> {
    const lowest = new Map<string, number>();
    for (const [r, set] of this.roundChanges) {
      if (r <= round) continue;
      for (const m of set.values()) {
        const key = bytesToHex(m.signer);
        const prev = lowest.get(key);
        if (prev === undefined || r < prev) lowest.set(key, r);
      }
    }
    return lowest;
  }

  /** Forgets votes of rounds below `round`; they can no longer change anything. */
  pruneBelow(round: number): void {
    for (const m of [this.prepares, this.commits, this.roundChanges, this.committees]) {
      for (const r of m.keys()) if (r < round) m.delete(r);
    }
  }
}

function getOrCreate<M extends { signer: Uint8Array; signedBytes: Uint8Array }>(
  map: Map<number, VoteSet<M>>,
  round: number,
): VoteSet<M> {
  let s = map.get(round);
  if (!s) {
    s = new VoteSet<M>();
    map.set(round, s);
  }
  return s;
}

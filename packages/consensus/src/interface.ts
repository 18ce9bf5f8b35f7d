import type { Block, Header, ProposalRequest, Transaction } from "@knode/types";

/** A block built on the head and executed, waiting for its seals. The chain decides what else it carries. */
export interface Proposal {
  readonly header: Header;
  readonly transactions: readonly Transaction[];
  /** Wall time spent executing the block (building or verifying it), for the per-block log line. */
  readonly execMs?: number;
}

export type { ProposalRequest };

/** What the engine needs of the chain; the node wires the concrete Chain in. */
export interface ConsensusChain<P extends Proposal = Proposal> {
  head(): { header: Header; hash: Uint8Array };
  buildProposal(req: ProposalRequest): Promise<P>;
  /** Writes the sealed block atomically and makes it the head. */
  commitProposal(proposal: P, sealedHeader: Header): Promise<void>;
  /**
   * Executes another validator's proposed block on the head without writing it and checks every root
   * (tx, receipts, state, bloom, gas used); resolves with what commitProposal needs, rejects if anything
   * differs. Needed by every node of a council larger than one; a lone validator only builds.
   */
  verifyProposal?(block: Block): Promise<P>;
  /** Resolves when the head changes (a block committed by us or imported). */
  onNewHead(listener: (header: Header, hash: Uint8Array) => void): () => void;
}

/** Where proposals take their transactions from (the pool). */
export interface TxSource {
  pendingForBlock(limit?: number): Transaction[];
}

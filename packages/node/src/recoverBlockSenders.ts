import { bytesToHex, errorMessage } from "@knode/common";
import type { ConsensusChain, Proposal } from "@knode/consensus";
import type { SignatureJob, SigVerifier } from "@knode/crypto";
import { type Transaction, transactionSignature, transactionSigningHash } from "@knode/types";
import { NodeError, NodeErrorCode } from "./errors.js";

/** The sender already recovered for a tx with this hash (the pool's, at admission), if any. */
export type KnownSender = (hash: Uint8Array) => Uint8Array | undefined;

/** Fills `tx.sender` of a block's transactions before execution; rejects if the block is invalid. */
export type BlockSenderRecovery = (txs: readonly Transaction[]) => Promise<unknown>;

export interface BlockSendersResult {
  /** Senders recovered through the verifier (in one batch). */
  recovered: number;
  /** Senders taken from `knownSender` instead of being recovered again. */
  reused: number;
}

function badSignature(index: number, tx: Transaction, reason: string): NodeError {
  const hash = bytesToHex(tx.hash);
  return new NodeError(
    { code: NodeErrorCode.BAD_TX_SIGNATURE, index, hash, reason },
    `block tx ${index} (${hash}) has an invalid signature: ${reason}`,
  );
}

/**
 * Sets `sender` on every transaction of a block that lacks one, so that execution never recovers a
 * signature on the main thread. Senders the node already knows (the pool recovered them at admission;
 * the hash covers the signature, so the same hash means the same signer) are reused; all the others go
 * to the verifier in ONE call so the worker pool gets one batch per block. Throws NODE_BAD_TX_SIGNATURE
 * if any signature recovers nothing, which makes the block invalid.
 */
export async function recoverBlockSenders(
  txs: readonly Transaction[],
  verifier: SigVerifier,
  knownSender?: KnownSender,
): Promise<BlockSendersResult> {
  const jobs: SignatureJob[] = [];
  const indices: number[] = [];
  let reused = 0;
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i];
    if (tx.sender) continue;
    const known = knownSender?.(tx.hash);
    if (known) {
      tx.sender = known;
      reused++;
      continue;
    }
    try {
      jobs.push({ hash: transactionSigningHash(tx), signature: transactionSignature(tx) });
    } catch (e) {
      throw badSignature(i, tx, errorMessage(e));
    }
    indices.push(i);
  }
  if (jobs.length === 0) return { recovered: 0, reused };
  const senders = await verifier.recoverAddresses(jobs);
  for (let j = 0; j < indices.length; j++) {
    const sender = senders[j];
    const tx = txs[indices[j]];
    if (!sender) throw badSignature(indices[j], tx, "no sender recoverable");
    tx.sender = sender;
  }
  return { recovered: jobs.length, reused };
}

/**
 * The consensus engine's view of the chain with sender recovery in front of `verifyProposal`, so a
 * proposal from another validator (and a prepared block re-proposed) is executed with every sender known.
 */
export function withSenderRecovery<P extends Proposal>(
  chain: ConsensusChain<P>,
  recoverSenders: BlockSenderRecovery,
): ConsensusChain<P> {
  const verify = chain.verifyProposal?.bind(chain);
  return {
    head: () => chain.head(),
    buildProposal: (req) => chain.buildProposal(req),
    commitProposal: (proposal, sealedHeader) => chain.commitProposal(proposal, sealedHeader),
    onNewHead: (listener) => chain.onNewHead(listener),
    ...(verify
      ? {
          verifyProposal: async (block) => {
            await recoverSenders(block.transactions);
            return verify(block);
          },
        }
      : {}),
  };
}

import { equalBytes, errorMessage, isKnodeError, type Logger } from "@knode/common";
import {
  type Block,
  encodeBlock,
  encodeIstanbulExtra,
  headerHash,
  proposerSealDigest,
  setHeaderRound,
  setHeaderSeal,
  type Transaction,
} from "@knode/types";
import { ConsensusErrorCode } from "../errors.js";
import type { GovernanceState } from "../governance/governanceState.js";
import type { ConsensusChain, Proposal, TxSource } from "../interface.js";
import type { Justification, PreprepareMessage, RoundChangeMessage } from "../messages/consensusMessage.js";
import type { ConsensusSigner } from "../signer.js";
import { headerTimeMs } from "../verify.js";
import type { CurrentProposal, HeightState } from "./heightState.js";
import type { MessageFactory, Outgoing } from "./messageFactory.js";
import type { Clock, IstanbulCoreOptions } from "./options.js";

export interface ProposeContext<P extends Proposal> {
  logger: Logger;
  chain: ConsensusChain<P>;
  txs: TxSource;
  signer: ConsensusSigner;
  rewardbase: Uint8Array;
  governance: GovernanceState;
  factory: MessageFactory;
  clock: Clock;
  opts: IstanbulCoreOptions;
}

export interface Proposed<P> {
  sent: Outgoing<PreprepareMessage>;
  proposal: CurrentProposal<P>;
}

const VANITY_BYTES = 32;
/** A block must be strictly later than its parent; timestamps have 10 ms resolution (timestampFoS). */
const MIN_BLOCK_GAP_MS = 10;

/**
 * The proposer's step. Round 0 builds a fresh block. A later round is justified by the round-change quorum
 * it received: if any of those carries a prepared certificate, the block of the highest one is proposed
 * again unchanged (QBFT — a block that may already be committed somewhere is never abandoned), otherwise a
 * fresh block is built. Returns "refused" when the WAL shows this slot was signed before with other content.
 */
export async function proposeBlock<P extends Proposal>(
  ctx: ProposeContext<P>,
  s: HeightState<P>,
  round: number,
): Promise<Proposed<P> | "refused" | undefined> {
  let justification: Justification | undefined;
  let highest: RoundChangeMessage | undefined;
  if (round > 0) {
    const rcs = s.roundChangesOf(round).values();
    // Highest prepared first, so the quorum we cite contains the certificate we must honour.
    rcs.sort((a, b) => (b.prepared?.round ?? -1) - (a.prepared?.round ?? -1));
    const cited = rcs.slice(0, s.quorumOf(round));
    highest = cited[0]?.prepared ? cited[0] : undefined;
    justification = { roundChanges: cited, prepares: highest?.certificate?.prepares ?? [] };
  }
  try {
    let block: Block;
    let blockBytes: Uint8Array;
    let digest: Uint8Array;
    let payload: P | undefined;
    if (highest?.prepared && highest.certificate) {
      ({ block, blockBytes } = highest.certificate);
      digest = highest.prepared.digest;
      payload = await reexecute(ctx, s, block, digest);
      if (payload === undefined) return undefined;
    } else {
      ({ block, blockBytes, digest, payload } = await buildFresh(ctx, s, round));
    }
    const sent = ctx.factory.preprepare(s.height, round, block, blockBytes, digest, justification);
    return { sent, proposal: { round, digest, block, blockBytes, payload } };
  } catch (e) {
    if (isKnodeError(e, ConsensusErrorCode.DOUBLE_SIGN_REFUSED)) return "refused";
    ctx.logger.warn({ number: s.height.toString(), round, err: errorMessage(e) }, "proposal failed");
    return undefined;
  }
}

async function reexecute<P extends Proposal>(
  ctx: ProposeContext<P>,
  s: HeightState<P>,
  block: Block,
  digest: Uint8Array,
): Promise<P | undefined> {
  if (s.lock?.payload && equalBytes(s.lock.digest, digest)) return s.lock.payload;
  if (!ctx.chain.verifyProposal) {
    ctx.logger.warn("chain cannot re-execute the prepared block to propose it again");
    return undefined;
  }
  return ctx.chain.verifyProposal(block);
}

async function buildFresh<P extends Proposal>(
  ctx: ProposeContext<P>,
  s: HeightState<P>,
  round: number,
): Promise<{ block: Block; blockBytes: Uint8Array; digest: Uint8Array; payload: P }> {
  const { chain, signer, clock, opts } = ctx;
  let nowMs = clock.now();
  const parentMs = headerTimeMs(s.parent);
  if (nowMs < parentMs + MIN_BLOCK_GAP_MS) nowMs = parentMs + MIN_BLOCK_GAP_MS;
  const extraData = encodeIstanbulExtra({
    vanity: new Uint8Array(VANITY_BYTES),
    validators: s.council,
    seal: new Uint8Array(0),
    committedSeals: [],
  });
  const built = await chain.buildProposal({
    parentHash: s.parentHash,
    timestamp: BigInt(Math.floor(nowMs / 1000)),
    timestampFoS: Math.floor((nowMs % 1000) / 10),
    rewardbase: ctx.rewardbase,
    extraData,
    voteData: ctx.governance.voteDataFor(signer.address),
    governanceData: new Uint8Array(0),
    txs: ctx.txs.pendingForBlock(opts.maxTxsPerBlock),
    deadlineMs: clock.now() + opts.buildTimeLimitMs,
  });
  const unsealed = setHeaderRound(built.header, round);
  const seal = signer.signDigest(s.height, round, "proposal", proposerSealDigest(unsealed));
  const header = setHeaderSeal(unsealed, seal);
  // The block shares the proposal's transaction array; nothing mutates either.
  const block: Block = { header, transactions: built.transactions as Transaction[] };
  return { block, blockBytes: encodeBlock(block), digest: headerHash(header), payload: built };
}

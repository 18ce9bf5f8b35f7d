import { type Logger, bytesToHex, equalBytes, errorMessage, sleep } from "@knode/common";
import { addressToHex } from "@knode/crypto";
import {
  commitSealDigest,
  encodeIstanbulExtra,
  headerHash,
  proposerSealDigest,
  setCommittedSeals,
  setHeaderRound,
  setHeaderSeal,
} from "@knode/types";
import { ConsensusError, ConsensusErrorCode } from "./errors.js";
import type { ConsensusChain, Proposal, TxSource } from "./interface.js";
import { ProposerPolicy, selectProposer } from "./proposer.js";
import type { ConsensusSigner } from "./signer.js";
import { headerTimeMs, istanbulExtraOf, proposerOf } from "./verify.js";

export interface IstanbulEngineOptions {
  /** Target interval between blocks. */
  blockPeriodMs: number;
  policy: ProposerPolicy;
  /** Klaytn stops adding transactions to a block after 250 ms so the period holds under load. */
  buildTimeLimitMs: number;
  /** Upper bound on transactions taken from the pool per block. */
  maxTxsPerBlock: number;
  /** Delay before retrying after a failed proposal. */
  retryDelayMs: number;
}

export const defaultIstanbulEngineOptions: IstanbulEngineOptions = {
  blockPeriodMs: 1000,
  policy: ProposerPolicy.RoundRobin,
  buildTimeLimitMs: 250,
  maxTxsPerBlock: 20_000,
  retryDelayMs: 200,
};

export interface IstanbulEngineModules<P extends Proposal> {
  logger: Logger;
  chain: ConsensusChain<P>;
  txs: TxSource;
  signer: ConsensusSigner;
  rewardbase: Uint8Array;
}

const VANITY_BYTES = 32;

/**
 * Istanbul BFT proposer/committer. This version decides alone: it runs only when the council has one member
 * (this node), so the preprepare/prepare/commit exchange collapses to "seal, commit-seal, write". Every
 * signature still goes through the signer's WAL, so the same height and round is never signed twice with
 * different content, even across a crash. Multi-member councils need the message exchange over p2p.
 */
export class IstanbulEngine<P extends Proposal> {
  private readonly opts: IstanbulEngineOptions;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    opts: Partial<IstanbulEngineOptions>,
    private readonly modules: IstanbulEngineModules<P>,
  ) {
    this.opts = { ...defaultIstanbulEngineOptions, ...opts };
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run().catch((e) => {
      if (!this.abort.signal.aborted) this.modules.logger.error({ err: errorMessage(e) }, "consensus loop stopped");
    });
  }

  async close(): Promise<void> {
    this.abort.abort(new Error("engine closed"));
    await this.loop;
  }

  private async run(): Promise<void> {
    const { logger, chain } = this.modules;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const head = chain.head();
      const council = istanbulExtraOf(head.header).validators;
      if (council.length !== 1) {
        throw new ConsensusError(
          { code: ConsensusErrorCode.COUNCIL_UNSUPPORTED, size: council.length },
          `this build decides alone and needs a council of one; the council has ${council.length} members`,
        );
      }
      if (!council.some((v) => equalBytes(v, this.modules.signer.address))) {
        throw new ConsensusError(
          { code: ConsensusErrorCode.NOT_A_VALIDATOR, address: addressToHex(this.modules.signer.address) },
          `node ${addressToHex(this.modules.signer.address)} is not in the council`,
        );
      }
      const due = headerTimeMs(head.header) + this.opts.blockPeriodMs;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait, signal).catch(() => undefined);
      if (signal.aborted) return;
      try {
        await this.proposeAndCommit(head.header, head.hash, council);
      } catch (e) {
        if (signal.aborted) return;
        logger.warn({ err: errorMessage(e) }, "proposal failed, retrying");
        await sleep(this.opts.retryDelayMs, signal).catch(() => undefined);
      }
    }
  }

  private async proposeAndCommit(
    parent: P["header"],
    parentHash: Uint8Array,
    council: Uint8Array[],
  ): Promise<void> {
    const { chain, signer, txs, logger } = this.modules;
    const height = parent.number + 1n;
    // A round already used before a crash must not be reused: the block we build now can differ.
    const round = signer.firstFreeRound(height);
    const proposer = selectProposer(council, proposerOf(parent), round, this.opts.policy);
    if (!equalBytes(proposer, signer.address)) return;

    let nowMs = Date.now();
    if (nowMs <= headerTimeMs(parent)) nowMs = headerTimeMs(parent) + 10;
    const extra = encodeIstanbulExtra({
      vanity: new Uint8Array(VANITY_BYTES),
      validators: council,
      seal: new Uint8Array(0),
      committedSeals: [],
    });
    const started = performance.now();
    const proposal = await chain.buildProposal({
      parentHash,
      timestamp: BigInt(Math.floor(nowMs / 1000)),
      timestampFoS: Math.floor((nowMs % 1000) / 10),
      rewardbase: this.modules.rewardbase,
      extraData: extra,
      voteData: new Uint8Array(0),
      governanceData: new Uint8Array(0),
      txs: txs.pendingForBlock(this.opts.maxTxsPerBlock),
      deadlineMs: Date.now() + this.opts.buildTimeLimitMs,
    });
    const built = performance.now();
    const unsealed = setHeaderRound(proposal.header, round);
    const seal = signer.signDigest(height, round, "proposal", proposerSealDigest(unsealed));
    const sealed = setHeaderSeal(unsealed, seal);
    const hash = headerHash(sealed);
    const committedSeal = signer.signDigest(height, round, "commit", commitSealDigest(hash));
    const final = setCommittedSeals(sealed, [committedSeal]);
    await chain.commitProposal(proposal, final);
    logger.info(
      {
        number: height.toString(),
        hash: bytesToHex(hash),
        round,
        txs: proposal.transactions.length,
        buildMs: Math.round(built - started),
        totalMs: Math.round(performance.now() - started),
      },
      "committed block",
    );
  }
}

import { errorMessage, type Logger } from "@knode/common";
import type { SigVerifier } from "@knode/crypto";
import { IstanbulCore } from "./core/istanbulCore.js";
import { type LockStorage, LockStore } from "./core/lockStore.js";
import {
  type Clock,
  type ConsensusNetwork,
  defaultIstanbulCoreOptions,
  type IstanbulCoreOptions,
  type Verdict,
} from "./core/options.js";
import { GovernanceState } from "./governance/governanceState.js";
import type { ConsensusChain, Proposal, TxSource } from "./interface.js";
import { recoverMessageSigners } from "./messages/signatureJobs.js";
import { ProposerPolicy } from "./proposer.js";
import type { ConsensusSigner } from "./signer.js";

export interface IstanbulEngineOptions extends IstanbulCoreOptions {
  /** Used only when no GovernanceState is passed in (which then carries policy and sub). */
  policy: ProposerPolicy;
  sub: number;
}

export const defaultIstanbulEngineOptions: IstanbulEngineOptions = {
  ...defaultIstanbulCoreOptions,
  policy: ProposerPolicy.RoundRobin,
  sub: 21,
};

export interface IstanbulEngineModules<P extends Proposal> {
  logger: Logger;
  chain: ConsensusChain<P>;
  txs: TxSource;
  signer: ConsensusSigner;
  rewardbase: Uint8Array;
  /** Peers of the council; without it only a council of one (this node) can decide. */
  network?: ConsensusNetwork;
  /** Council rules and votes; defaults to no governance with `opts.policy` and `opts.sub`. */
  governance?: GovernanceState;
  clock?: Clock;
  /** Defaults to `lock.rlp` beside the signer's WAL. */
  lockStore?: LockStorage;
  /**
   * Recovers the signatures of incoming messages (envelope, commit seal, justification) before they are
   * decoded, typically the node's worker pool. Without it, or when it fails, decoding recovers them on the
   * main thread.
   */
  sigVerifier?: Pick<SigVerifier, "recoverAddresses">;
}

/**
 * The consensus service the node runs on a CN: an IstanbulCore following the chain head, fed by the p2p
 * layer through handleMessage and talking back through the ConsensusNetwork. With a council of one and
 * no network it decides alone through the same state machine.
 */
export class IstanbulEngine<P extends Proposal> {
  readonly opts: IstanbulEngineOptions;
  readonly core: IstanbulCore<P>;
  readonly governance: GovernanceState;
  private readonly behindListeners = new Set<(height: bigint) => void>();
  private started = false;
  /** Messages reach the core in arrival order even though their recoveries finish in any order. */
  private intake: Promise<unknown> = Promise.resolve();

  constructor(
    opts: Partial<IstanbulEngineOptions>,
    private readonly modules: IstanbulEngineModules<P>,
  ) {
    this.opts = { ...defaultIstanbulEngineOptions, ...opts };
    this.governance =
      modules.governance ??
      new GovernanceState({ policy: this.opts.policy, sub: this.opts.sub }, { self: modules.signer.address });
    this.core = new IstanbulCore<P>(this.opts, {
      logger: modules.logger,
      chain: modules.chain,
      txs: modules.txs,
      signer: modules.signer,
      rewardbase: modules.rewardbase,
      governance: this.governance,
      network: modules.network,
      clock: modules.clock,
      lockStore: modules.lockStore ?? new LockStore(modules.signer.walDir),
      onBehind: (height) => {
        for (const l of this.behindListeners) l(height);
      },
    });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.core.start().catch((e) => this.modules.logger.error({ err: errorMessage(e) }, "consensus failed to start"));
  }

  async close(): Promise<void> {
    this.core.close();
    await this.core.settled();
  }

  /** A consensus message from a peer; the verdict tells p2p whether to forward, drop or penalise. */
  handleMessage(bytes: Uint8Array): Promise<Verdict> {
    const verifier = this.modules.sigVerifier;
    if (!verifier) return this.core.handleMessage(bytes);
    const recovered = recoverMessageSigners(verifier, bytes);
    const turn = this.intake.then(() => recovered);
    this.intake = turn;
    return turn.then((signers) => this.core.handleMessage(bytes, signers));
  }

  /** This node's execution result for the block `hash` it is deciding, if it has one (see IstanbulCore). */
  verifiedPayload(hash: Uint8Array): P | undefined {
    return this.core.verifiedPayload(hash);
  }

  /** Called with the height peers are deciding when f+1 council members show they are ahead. */
  onBehind(listener: (height: bigint) => void): () => void {
    this.behindListeners.add(listener);
    return () => this.behindListeners.delete(listener);
  }
}

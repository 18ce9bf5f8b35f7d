import { bytesToHex, equalBytes, errorMessage, isKnodeError, type Logger, Mutex } from "@knode/common";
import { type Block, decodeBlock, headerHash } from "@knode/types";
import { isMember } from "../committee.js";
import { ConsensusErrorCode } from "../errors.js";
import type { GovernanceState } from "../governance/governanceState.js";
import type { ConsensusChain, Proposal, TxSource } from "../interface.js";
import {
  type CommitMessage,
  type ConsensusMessage,
  decodeConsensusMessage,
  MAX_ROUND,
  MessageCode,
  type PrepareMessage,
  type PreprepareMessage,
  type RoundChangeMessage,
} from "../messages/consensusMessage.js";
import type { SignerSource } from "../messages/signerSource.js";
import { maxFaulty } from "../quorum.js";
import type { ConsensusSigner } from "../signer.js";
import { proposerOf } from "../verify.js";
import { MessageBacklog } from "./backlog.js";
import { finalizeHeader } from "./finalize.js";
import { type CurrentProposal, HeightState } from "./heightState.js";
import { checkPreparedCertificate } from "./justification.js";
import type { LockStorage } from "./lockStore.js";
import { MessageFactory, type Outgoing } from "./messageFactory.js";
import {
  type Clock,
  type ConsensusNetwork,
  defaultIstanbulCoreOptions,
  type IstanbulCoreOptions,
  roundTimeoutMs,
  systemClock,
  type Verdict,
} from "./options.js";
import { checkPreprepare, checkRoundChangeCertificate } from "./proposalCheck.js";
import { type ProposeContext, proposeBlock } from "./proposeBlock.js";

export interface IstanbulCoreModules<P extends Proposal> {
  logger: Logger;
  chain: ConsensusChain<P>;
  txs: TxSource;
  signer: ConsensusSigner;
  rewardbase: Uint8Array;
  governance: GovernanceState;
  network?: ConsensusNetwork;
  clock?: Clock;
  lockStore?: LockStorage;
  /** Peers (f+1 council members) are deciding a later height: the node should sync blocks below it. */
  onBehind?: (height: bigint) => void;
}

/**
 * The Istanbul BFT state machine with QBFT's round-change rules. Every input — a message, a timer, a new
 * head — runs to completion under one mutex, so the state is never seen half-updated; what this node
 * signs is fed back to itself through an outbox drained in the same critical section (a committee of one
 * decides through the very same path). Messages for later views wait in a bounded backlog.
 */
export class IstanbulCore<P extends Proposal> {
  readonly opts: IstanbulCoreOptions;
  private readonly clock: Clock;
  private readonly factory: MessageFactory;
  private readonly mutex = new Mutex();
  private readonly outbox: ConsensusMessage[] = [];
  private readonly backlog: MessageBacklog;
  private state: HeightState<P> | undefined;
  private roundTimer: unknown;
  private proposeTimer: unknown;
  private timerSeq = 0;
  private behindReported = 0n;
  private closed = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    opts: Partial<IstanbulCoreOptions>,
    private readonly modules: IstanbulCoreModules<P>,
  ) {
    this.opts = { ...defaultIstanbulCoreOptions, ...opts };
    this.clock = modules.clock ?? systemClock;
    this.factory = new MessageFactory(modules.signer);
    this.backlog = new MessageBacklog({
      maxPerSender: this.opts.backlogPerSender,
      maxTotal: this.opts.backlogTotal,
      maxBytes: this.opts.backlogBytes,
    });
  }

  /** Follows the chain head (own commits and imports alike) and starts deciding the next height. */
  start(): Promise<void> {
    this.unsubscribe ??= this.modules.chain.onNewHead((header) => {
      this.modules.governance.onCommitted(header);
      void this.startHeight();
    });
    return this.startHeight();
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.cancelTimers();
  }

  get view(): { height: bigint; round: number } | undefined {
    return this.state ? { height: this.state.height, round: this.state.round } : undefined;
  }

  /**
   * What this node got from executing the block with header hash `hash` at the height it is deciding
   * (its current proposal or its lock), so a copy of that block arriving by gossip can be committed
   * without executing it again. Undefined for any other block.
   */
  verifiedPayload(hash: Uint8Array): P | undefined {
    const s = this.state;
    if (!s) return undefined;
    if (s.proposal && equalBytes(s.proposal.digest, hash)) return s.proposal.payload;
    if (s.lock?.payload && equalBytes(s.lock.digest, hash)) return s.lock.payload;
    return undefined;
  }

  /** Resolves once every input queued so far has been handled. */
  settled(): Promise<void> {
    return this.mutex.run(async () => undefined);
  }

  /** (Re)starts on the block after the current head; a no-op if that height is already running. */
  startHeight(): Promise<void> {
    return this.serial(() => this.enterHeight(), undefined);
  }

  /** Gives up on the current round now, as if its timer had fired. */
  handleTimeout(): Promise<void> {
    return this.serial(() => this.onRoundTimeout(this.timerSeq), undefined);
  }

  /** Decodes and handles a peer's message; `signers` may carry its signatures recovered off-thread. */
  async handleMessage(bytes: Uint8Array, signers?: SignerSource): Promise<Verdict> {
    let msg: ConsensusMessage;
    try {
      msg = decodeConsensusMessage(bytes, signers);
    } catch (e) {
      this.modules.logger.debug({ err: errorMessage(e) }, "undecodable consensus message");
      return "reject";
    }
    return this.handleDecoded(msg);
  }

  handleDecoded(msg: ConsensusMessage): Promise<Verdict> {
    return this.serial(() => this.dispatch(msg), "ignore");
  }

  private serial<T>(fn: () => Promise<T>, ifClosed: T): Promise<T> {
    return this.mutex.run(async () => {
      if (this.closed) return ifClosed;
      try {
        const out = await fn();
        await this.drainOutbox();
        return out;
      } catch (e) {
        this.modules.logger.error({ err: errorMessage(e) }, "consensus step failed");
        return ifClosed;
      }
    });
  }

  private async drainOutbox(): Promise<void> {
    for (let m = this.outbox.shift(); m; m = this.outbox.shift()) {
      if (this.closed) return;
      await this.route(m);
    }
  }

  private async dispatch(msg: ConsensusMessage): Promise<Verdict> {
    if (equalBytes(msg.signer, this.factory.address)) return "ignore";
    return this.route(msg);
  }

  private async route(msg: ConsensusMessage): Promise<Verdict> {
    const s = this.state;
    if (!s || msg.height > s.height) {
      this.backlog.add(msg);
      if (s) this.checkBehind(s);
      return "ignore";
    }
    if (msg.height < s.height || s.committed) return "ignore";
    if (msg.code === MessageCode.RoundChange) return this.onRoundChange(s, msg);
    if (msg.round < s.round) return "ignore";
    if (msg.round > s.round) {
      const sender = msg.code === MessageCode.Preprepare ? [s.proposerOf(msg.round)] : s.committeeOf(msg.round);
      if (!isMember(sender, msg.signer)) return "reject";
      return this.backlog.add(msg) ? "accept" : "ignore";
    }
    switch (msg.code) {
      case MessageCode.Preprepare:
        return this.onPreprepare(s, msg);
      case MessageCode.Prepare:
        return this.onPrepare(s, msg);
      case MessageCode.Commit:
        return this.onCommit(s, msg);
    }
  }

  // ---- heights and rounds ----

  private async enterHeight(): Promise<void> {
    const { chain, governance, signer } = this.modules;
    const head = chain.head();
    const height = head.header.number + 1n;
    if (this.state && this.state.height === height && !this.state.committed) return;
    this.cancelTimers();
    const s = new HeightState<P>({
      height,
      parent: head.header,
      parentHash: head.hash,
      lastProposer: proposerOf(head.header),
      council: governance.councilAfter(head.header),
      policy: governance.policy,
      sub: governance.sub,
    });
    this.state = s;
    this.backlog.take((m) => m.height < height);
    this.restoreLock(s);
    // After a restart, rejoin the last round this node signed in; what it signed there stays binding.
    const round = signer.highestRound(height) ?? 0;
    await this.enterRound(s, round, round > 0);
    for (const m of this.backlog.take((x) => x.height === height && x.code === MessageCode.RoundChange)) {
      if (this.state !== s) return;
      await this.route(m);
    }
  }

  private async enterRound(s: HeightState<P>, round: number, sendRoundChange: boolean): Promise<void> {
    s.round = round;
    if (s.proposal && s.proposal.round !== round) s.proposal = undefined;
    s.pruneBelow(round);
    this.armRoundTimer(s);
    this.clearProposeTimer();
    if (sendRoundChange) this.sendRoundChange(s, round);
    for (const m of this.backlog.take(
      (x) => x.height === s.height && x.code !== MessageCode.RoundChange && x.round <= round,
    )) {
      if (m.round === round) await this.route(m);
      if (this.state !== s || s.round !== round) return;
    }
    await this.maybePropose(s);
  }

  private async onRoundTimeout(seq: number): Promise<void> {
    const s = this.state;
    if (!s || s.committed || seq !== this.timerSeq) return;
    this.modules.logger.info({ number: s.height.toString(), round: s.round }, "round timed out");
    if (s.round >= MAX_ROUND) {
      this.sendRoundChange(s, s.round);
      this.armRoundTimer(s);
      return;
    }
    await this.enterRound(s, s.round + 1, true);
  }

  private armRoundTimer(s: HeightState<P>): void {
    if (this.roundTimer !== undefined) this.clock.clearTimeout(this.roundTimer);
    const seq = ++this.timerSeq;
    this.roundTimer = this.clock.setTimeout(
      () => {
        void this.serial(() => this.onRoundTimeout(seq), undefined);
      },
      roundTimeoutMs(this.opts, s.round),
    );
  }

  private clearProposeTimer(): void {
    if (this.proposeTimer !== undefined) this.clock.clearTimeout(this.proposeTimer);
    this.proposeTimer = undefined;
  }

  private cancelTimers(): void {
    if (this.roundTimer !== undefined) this.clock.clearTimeout(this.roundTimer);
    this.roundTimer = undefined;
    this.timerSeq++;
    this.clearProposeTimer();
  }

  private checkBehind(s: HeightState<P>): void {
    const { senders, maxHeight } = this.backlog.aheadOf(s.height);
    const members = senders.filter((a) => isMember(s.council, a)).length;
    if (members <= maxFaulty(s.committeeOf(s.round).length) || maxHeight <= this.behindReported) return;
    this.behindReported = maxHeight;
    this.modules.logger.info({ number: s.height.toString(), peers: maxHeight.toString() }, "peers are ahead");
    try {
      this.modules.onBehind?.(maxHeight);
    } catch (e) {
      this.modules.logger.warn({ err: errorMessage(e) }, "onBehind listener failed");
    }
  }

  // ---- proposing ----

  private async maybePropose(s: HeightState<P>): Promise<void> {
    const round = s.round;
    if (s.committed || s.proposedRounds.has(round) || !equalBytes(s.proposerOf(round), this.factory.address)) return;
    if (round > 0) {
      if (s.roundChangesOf(round).size >= s.quorumOf(round)) await this.propose(s, round);
      return;
    }
    const wait =
      Number(s.parent.timestamp) * 1000 + s.parent.timestampFoS * 10 + this.opts.blockPeriodMs - this.clock.now();
    if (wait <= 0) return this.propose(s, round);
    this.proposeTimer = this.clock.setTimeout(() => {
      void this.serial(async () => {
        if (this.state === s && s.round === round) await this.propose(s, round);
      }, undefined);
    }, wait);
  }

  private async propose(s: HeightState<P>, round: number): Promise<void> {
    if (s.proposedRounds.has(round)) return;
    s.proposedRounds.add(round);
    const ctx: ProposeContext<P> = { ...this.modules, factory: this.factory, clock: this.clock, opts: this.opts };
    const out = await proposeBlock(ctx, s, round);
    if (this.state !== s || s.round !== round || s.committed) return;
    if (out === "refused") {
      // This slot was signed before a restart with other content: move on rather than equivocate.
      await this.enterRound(s, Math.min(round + 1, MAX_ROUND), true);
      return;
    }
    if (!out) return;
    this.broadcast(s, out.sent);
    this.acceptProposal(s, out.proposal);
  }

  // ---- message handlers ----

  private async onPreprepare(s: HeightState<P>, m: PreprepareMessage): Promise<Verdict> {
    if (!equalBytes(m.signer, s.proposerOf(m.round))) return "reject";
    if (s.proposal) return equalBytes(s.proposal.digest, m.digest) ? "ignore" : "reject";
    const problem = checkPreprepare(s, m, this.modules.governance.policy, this.clock.now());
    if (problem) {
      this.modules.logger.debug({ number: s.height.toString(), round: m.round, problem }, "rejected proposal");
      return "reject";
    }
    const payload = await this.execute(s, m.block, m.digest);
    if (payload === "unavailable") return "ignore";
    if (payload === "invalid") return "reject";
    if (this.state !== s || s.round !== m.round || s.proposal) return "ignore";
    this.acceptProposal(s, { round: m.round, digest: m.digest, block: m.block, blockBytes: m.blockBytes, payload });
    return "accept";
  }

  private async execute(s: HeightState<P>, block: Block, digest: Uint8Array): Promise<P | "invalid" | "unavailable"> {
    if (s.lock?.payload && equalBytes(s.lock.digest, digest)) return s.lock.payload;
    const verify = this.modules.chain.verifyProposal;
    if (!verify) {
      this.modules.logger.warn("chain cannot verify proposals of other validators");
      return "unavailable";
    }
    try {
      return await verify.call(this.modules.chain, block);
    } catch (e) {
      this.modules.logger.warn({ number: s.height.toString(), err: errorMessage(e) }, "proposal failed execution");
      return "invalid";
    }
  }

  private acceptProposal(s: HeightState<P>, proposal: CurrentProposal<P>): void {
    s.proposal = proposal;
    if (isMember(s.committeeOf(proposal.round), this.factory.address)) {
      const out = this.sign(() => this.factory.prepare(s.height, proposal.round, proposal.digest));
      if (out) this.broadcast(s, out);
    }
    this.checkPrepared(s);
  }

  private onPrepare(s: HeightState<P>, m: PrepareMessage): Verdict {
    if (!isMember(s.committeeOf(m.round), m.signer)) return "reject";
    const added = s.preparesOf(m.round).add(m);
    if (added !== "added") return added === "duplicate" ? "ignore" : "reject";
    this.checkPrepared(s);
    return "accept";
  }

  private checkPrepared(s: HeightState<P>): void {
    const p = s.proposal;
    if (!p || s.preparedRounds.has(p.round)) return;
    const votes = s.preparesOf(p.round).matching(p.digest);
    if (votes.length < s.quorumOf(p.round)) return;
    s.preparedRounds.add(p.round);
    s.lock = { ...p, prepares: votes };
    // Durable before the commit that relies on it, so a restart still knows what it may have helped commit.
    this.modules.lockStore?.save({
      height: s.height,
      round: p.round,
      blockBytes: p.blockBytes,
      prepares: votes.map((v) => v.signedBytes),
    });
    if (!isMember(s.committeeOf(p.round), this.factory.address)) return;
    const out = this.sign(() => this.factory.commit(s.height, p.round, p.digest));
    if (out) this.broadcast(s, out);
  }

  private async onCommit(s: HeightState<P>, m: CommitMessage): Promise<Verdict> {
    if (!isMember(s.committeeOf(m.round), m.signer)) return "reject";
    const added = s.commitsOf(m.round).add(m);
    if (added !== "added") return added === "duplicate" ? "ignore" : "reject";
    await this.checkCommitted(s);
    return "accept";
  }

  private async checkCommitted(s: HeightState<P>): Promise<void> {
    const p = s.proposal;
    if (!p || s.committed) return;
    const votes = s.commitsOf(p.round).matching(p.digest);
    if (votes.length < s.quorumOf(p.round)) return;
    s.committed = true;
    this.cancelTimers();
    const committee = s.committeeOf(p.round);
    votes.sort((a, b) => indexIn(committee, a.signer) - indexIn(committee, b.signer));
    const header = finalizeHeader(p.block.header, p.round, votes);
    try {
      await this.modules.chain.commitProposal(p.payload, header);
      this.modules.logger.info(
        {
          number: s.height.toString(),
          hash: bytesToHex(p.digest),
          round: p.round,
          txs: p.block.transactions.length,
          execMs: p.payload.execMs,
          seals: votes.length,
        },
        "committed block",
      );
    } catch (e) {
      // Sync may have imported this very block a moment earlier; that is a race, not a failure.
      const raced = isKnodeError(e, "CHAIN_NOT_HEAD_CHILD");
      this.modules.logger[raced ? "debug" : "warn"](
        { number: s.height.toString(), err: errorMessage(e) },
        "commit failed",
      );
    }
    await this.enterHeight();
  }

  private async onRoundChange(s: HeightState<P>, m: RoundChangeMessage): Promise<Verdict> {
    if (m.round < s.round) return "ignore";
    if (m.round > s.round + this.opts.maxFutureRounds) return "ignore";
    if (!isMember(s.committeeOf(m.round), m.signer)) return "reject";
    const problem = checkRoundChangeCertificate(s, m);
    if (problem) {
      this.modules.logger.debug({ number: s.height.toString(), round: m.round, problem }, "rejected round change");
      return "reject";
    }
    const added = s.roundChangesOf(m.round).add(m);
    if (added !== "added") return added === "duplicate" ? "ignore" : "reject";
    if (m.round > s.round) {
      if (s.roundChangesOf(m.round).size >= s.quorumOf(m.round)) {
        await this.enterRound(s, m.round, true);
        return "accept";
      }
      // f+1 members already moved past us: at least one is honest, so follow to the lowest such round.
      const ahead = s.futureRoundChangeSenders(s.round);
      if (ahead.size > maxFaulty(s.committeeOf(s.round).length)) {
        await this.enterRound(s, Math.min(...ahead.values()), true);
      }
      return "accept";
    }
    await this.maybePropose(s);
    return "accept";
  }

  private sendRoundChange(s: HeightState<P>, round: number): void {
    if (!isMember(s.committeeOf(round), this.factory.address)) return;
    const out = this.sign(() => this.factory.roundChange(s.height, round, s.lock));
    if (out) this.broadcast(s, out);
  }

  // ---- plumbing ----

  /** Runs a signing step; a slot the WAL refuses is skipped (never signed twice), anything else throws. */
  private sign<M extends ConsensusMessage>(fn: () => Outgoing<M>): Outgoing<M> | undefined {
    try {
      return fn();
    } catch (e) {
      if (!isKnodeError(e, ConsensusErrorCode.DOUBLE_SIGN_REFUSED)) throw e;
      this.modules.logger.warn({ err: errorMessage(e) }, "not signing: slot already used before a restart");
      return undefined;
    }
  }

  private broadcast(s: HeightState<P>, out: Outgoing<ConsensusMessage>): void {
    const self = this.factory.address;
    const targets: Uint8Array[] = [];
    for (const a of [...s.committeeOf(s.round), ...s.committeeOf(s.round + 1)]) {
      if (!equalBytes(a, self) && !isMember(targets, a)) targets.push(a);
    }
    if (targets.length > 0) this.modules.network?.broadcast(out.bytes, targets);
    this.outbox.push(out.msg);
  }

  private restoreLock(s: HeightState<P>): void {
    let saved: ReturnType<LockStorage["load"]>;
    try {
      saved = this.modules.lockStore?.load();
    } catch (e) {
      this.modules.logger.error({ err: errorMessage(e) }, "cannot read the consensus lock");
      return;
    }
    if (!saved || saved.height !== s.height) return;
    try {
      const block = decodeBlock(saved.blockBytes);
      const digest = headerHash(block.header);
      const prepares = saved.prepares.map((b) => decodeConsensusMessage(b)) as PrepareMessage[];
      const ok = checkPreparedCertificate(
        s.height,
        { round: saved.round, digest },
        prepares,
        s.committeeOf(saved.round),
      );
      if (!ok.ok) throw new Error(ok.reason);
      s.lock = { round: saved.round, digest, block, blockBytes: saved.blockBytes, prepares };
      s.preparedRounds.add(saved.round);
      this.modules.logger.info({ number: s.height.toString(), round: saved.round }, "restored prepared lock");
    } catch (e) {
      this.modules.logger.error({ err: errorMessage(e) }, "ignoring an invalid stored lock");
    }
  }
}

function indexIn(list: readonly Uint8Array[], a: Uint8Array): number {
  return list.findIndex((v) => equalBytes(v, a));
}

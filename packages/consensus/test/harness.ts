import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { concatBytes, nullLogger } from "@knode/common";
import { keccak256, privateKeyToAddress, sign } from "@knode/crypto";
import {
  type Block,
  commitSealDigest,
  EMPTY_BLOOM,
  encodeBlock,
  encodeIstanbulExtra,
  genesisExtraData,
  type Header,
  headerHash,
  proposerSealDigest,
  setHeaderRound,
  setHeaderSeal,
} from "@knode/types";
import { IstanbulCore } from "../src/core/istanbulCore.js";
import { LockStore } from "../src/core/lockStore.js";
import type { Clock, ConsensusNetwork, IstanbulCoreOptions } from "../src/core/options.js";
import { type GovernanceOptions, GovernanceState } from "../src/governance/governanceState.js";
import type { ConsensusChain, Proposal, ProposalRequest } from "../src/interface.js";
import {
  type ConsensusMessage,
  decodeConsensusMessage,
  EMPTY_RLP_LIST,
  encodeCertificate,
  encodeCommit,
  encodeEnvelope,
  encodeJustification,
  encodePrepare,
  encodePreprepare,
  encodeRoundChange,
  MessageCode,
  messageSigningHash,
  type PreparedRef,
} from "../src/messages/consensusMessage.js";
import { ProposerPolicy } from "../src/proposer.js";
import { ConsensusSigner } from "../src/signer.js";
import { SigningWal } from "../src/signingWal.js";

export const GENESIS_TIME = 1_700_000_000n;
export const keys = Array.from({ length: 12 }, (_, i) => new Uint8Array(32).fill(i + 1));
export const addrs = keys.map(privateKeyToAddress);

/** Fires timers in time order as the test moves time forward; nothing real sleeps. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  constructor(startMs: number) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

export interface FakeProposal extends Proposal {
  readonly tag: string;
}

/** The state root an honest execution of a block on `parentHash` yields in this fake world. */
export function expectedStateRoot(parentHash: Uint8Array): Uint8Array {
  return keccak256(concatBytes(parentHash, Uint8Array.of(1)));
}

export function genesisHeader(council: Uint8Array[]): Header {
  return {
    parentHash: new Uint8Array(32),
    rewardbase: new Uint8Array(20),
    stateRoot: new Uint8Array(32),
    txRoot: new Uint8Array(32),
    receiptsRoot: new Uint8Array(32),
    logsBloom: EMPTY_BLOOM,
    blockScore: 1n,
    number: 0n,
    gasUsed: 0n,
    timestamp: GENESIS_TIME,
    timestampFoS: 0,
    extraData: genesisExtraData(council),
    governanceData: new Uint8Array(0),
    voteData: new Uint8Array(0),
    baseFee: 25_000_000_000n,
  };
}

/** An in-memory chain: builds deterministic headers, "executes" by checking the state root. */
export class FakeChain implements ConsensusChain<FakeProposal> {
  readonly committed: Header[] = [];
  private headers: { header: Header; hash: Uint8Array }[];
  private readonly listeners = new Set<(h: Header, hash: Uint8Array) => void>();
  verified = 0;

  constructor(genesis: Header) {
    this.headers = [{ header: genesis, hash: headerHash(genesis) }];
  }

  head(): { header: Header; hash: Uint8Array } {
    return this.headers[this.headers.length - 1];
  }

  async getHeaderByNumber(n: bigint): Promise<{ header: Header; hash: Uint8Array } | undefined> {
    return this.headers[Number(n)];
  }

  async buildProposal(req: ProposalRequest): Promise<FakeProposal> {
    const header: Header = {
      ...this.head().header,
      parentHash: req.parentHash,
      rewardbase: req.rewardbase,
      stateRoot: expectedStateRoot(req.parentHash),
      number: this.head().header.number + 1n,
      timestamp: req.timestamp,
      timestampFoS: req.timestampFoS,
      extraData: req.extraData,
      voteData: req.voteData,
      governanceData: req.governanceData,
    };
    return { header, transactions: [], tag: "built" };
  }

  async verifyProposal(block: Block): Promise<FakeProposal> {
    this.verified++;
    if (!equalRoot(block.header.stateRoot, expectedStateRoot(this.head().hash))) throw new Error("state root mismatch");
    return { header: block.header, transactions: block.transactions, tag: "verified" };
  }

  async commitProposal(_p: FakeProposal, sealed: Header): Promise<void> {
    this.committed.push(sealed);
    const entry = { header: sealed, hash: headerHash(sealed) };
    this.headers.push(entry);
    for (const l of this.listeners) l(entry.header, entry.hash);
  }

  onNewHead(listener: (header: Header, hash: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function equalRoot(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class CapturingNetwork implements ConsensusNetwork {
  readonly sent: { msg: ConsensusMessage; bytes: Uint8Array; to: Uint8Array[] }[] = [];

  broadcast(encoded: Uint8Array, committee: Uint8Array[]): void {
    this.sent.push({ msg: decodeConsensusMessage(encoded), bytes: encoded, to: committee });
  }

  of<C extends MessageCode>(code: C): (ConsensusMessage & { code: C })[] {
    return this.sent.filter((s) => s.msg.code === code).map((s) => s.msg as ConsensusMessage & { code: C });
  }

  clear(): void {
    this.sent.length = 0;
  }
}

export interface TestNode {
  core: IstanbulCore<FakeProposal>;
  chain: FakeChain;
  net: CapturingNetwork;
  clock: ManualClock;
  governance: GovernanceState;
  dir: string;
  signer: ConsensusSigner;
  close(): void;
}

const dirs: string[] = [];
export function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), "knode-consensus-"));
  dirs.push(d);
  return d;
}
export function cleanupDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export const testCoreOptions: Partial<IstanbulCoreOptions> = {
  blockPeriodMs: 1000,
  roundTimeoutBaseMs: 1000,
  roundTimeoutGrowthMs: 100,
};

/** Validator `index` of a council of `n` (keys 0..n-1), on its own fake chain at genesis. */
export function createNode(
  index: number,
  n: number,
  opts: {
    dir?: string;
    governance?: Partial<GovernanceOptions>;
    council?: Uint8Array[];
    onBehind?: (height: bigint) => void;
  } = {},
): TestNode {
  const council = opts.council ?? addrs.slice(0, n);
  const dir = opts.dir ?? tempDir();
  const chain = new FakeChain(genesisHeader(council));
  const clock = new ManualClock(Number(GENESIS_TIME) * 1000);
  const net = new CapturingNetwork();
  const signer = new ConsensusSigner(keys[index], SigningWal.open(dir));
  const governance = new GovernanceState(
    { policy: ProposerPolicy.RoundRobin, sub: 21, ...opts.governance },
    { self: signer.address, headers: chain },
  );
  const core = new IstanbulCore<FakeProposal>(testCoreOptions, {
    logger: nullLogger(),
    chain,
    txs: { pendingForBlock: () => [] },
    signer,
    rewardbase: signer.address,
    governance,
    network: net,
    clock,
    lockStore: new LockStore(dir),
    onBehind: opts.onBehind,
  });
  return {
    core,
    chain,
    net,
    clock,
    governance,
    dir,
    signer,
    close() {
      core.close();
      signer.close();
    },
  };
}

/** A block on `parent` built and sealed by validator `proposer` in `round`. */
export function makeBlock(
  parent: { header: Header; hash: Uint8Array },
  council: Uint8Array[],
  proposer: number,
  round: number,
  opts: { bad?: boolean; offsetMs?: number; voteData?: Uint8Array } = {},
): { block: Block; bytes: Uint8Array; digest: Uint8Array } {
  const t = Number(parent.header.timestamp) * 1000 + parent.header.timestampFoS * 10 + (opts.offsetMs ?? 1000);
  const header: Header = {
    ...parent.header,
    parentHash: parent.hash,
    rewardbase: addrs[proposer],
    stateRoot: opts.bad ? new Uint8Array(32).fill(0xee) : expectedStateRoot(parent.hash),
    number: parent.header.number + 1n,
    timestamp: BigInt(Math.floor(t / 1000)),
    timestampFoS: Math.floor((t % 1000) / 10),
    extraData: encodeIstanbulExtra({
      vanity: new Uint8Array(32),
      validators: council,
      seal: new Uint8Array(0),
      committedSeals: [],
    }),
    voteData: opts.voteData ?? new Uint8Array(0),
  };
  const unsealed = setHeaderRound(header, round);
  const sealed = setHeaderSeal(unsealed, sign(proposerSealDigest(unsealed), keys[proposer]));
  const block = { header: sealed, transactions: [] };
  return { block, bytes: encodeBlock(block), digest: headerHash(sealed) };
}

function envelope(key: Uint8Array, code: MessageCode, payload: Uint8Array, attachment = EMPTY_RLP_LIST): Uint8Array {
  return encodeEnvelope(code, payload, sign(messageSigningHash(code, payload), key), attachment);
}

/** Hand-built, signed messages of a scripted validator. */
export const script = {
  preprepare(
    signerIdx: number,
    height: bigint,
    round: number,
    blockBytes: Uint8Array,
    justification?: { roundChanges: Uint8Array[]; prepares: Uint8Array[] },
  ): Uint8Array {
    const attachment = justification
      ? encodeJustification(justification.roundChanges, justification.prepares)
      : EMPTY_RLP_LIST;
    return envelope(keys[signerIdx], MessageCode.Preprepare, encodePreprepare(height, round, blockBytes), attachment);
  },
  prepare(signerIdx: number, height: bigint, round: number, digest: Uint8Array): Uint8Array {
    return envelope(keys[signerIdx], MessageCode.Prepare, encodePrepare(height, round, digest));
  },
  commit(signerIdx: number, height: bigint, round: number, digest: Uint8Array, sealKey = keys[signerIdx]): Uint8Array {
    const seal = sign(commitSealDigest(digest), sealKey);
    return envelope(keys[signerIdx], MessageCode.Commit, encodeCommit(height, round, digest, seal));
  },
  roundChange(
    signerIdx: number,
    height: bigint,
    round: number,
    prepared?: PreparedRef & { blockBytes: Uint8Array; prepares: Uint8Array[] },
  ): { full: Uint8Array; stripped: Uint8Array } {
    const payload = encodeRoundChange(height, round, prepared);
    const sig = sign(messageSigningHash(MessageCode.RoundChange, payload), keys[signerIdx]);
    const stripped = encodeEnvelope(MessageCode.RoundChange, payload, sig);
    const full = prepared
      ? encodeEnvelope(MessageCode.RoundChange, payload, sig, encodeCertificate(prepared.blockBytes, prepared.prepares))
      : stripped;
    return { full, stripped };
  },
};

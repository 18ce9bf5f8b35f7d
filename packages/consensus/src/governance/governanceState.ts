import { equalBytes } from "@knode/common";
import { addressToHex, parseAddress } from "@knode/crypto";
import type { ChainConfig, Header } from "@knode/types";
import { type ConsensusInfo, consensusInfo } from "../consensusInfo.js";
import { ProposerPolicy } from "../proposer.js";
import { istanbulExtraOf, proposerOf } from "../verify.js";
import { GovernanceError, GovernanceErrorCode } from "./errors.js";
import {
  decodeVoteData,
  encodeVoteData,
  type GovernanceKey,
  type GovernanceVote,
  isGovernanceKey,
  parseVoteValue,
} from "./voteData.js";

export type GovernanceMode = "none" | "single" | "ballot";

export interface GovernanceOptions {
  mode: GovernanceMode;
  /** The only node whose votes count in mode "single". */
  governingNode: Uint8Array | undefined;
  policy: ProposerPolicy;
  /** Committee size (Klaytn `istanbul.sub`). */
  sub: number;
}

/** Klaytn's defaults: no governance, round robin, committees of 21. */
export const defaultGovernanceOptions: GovernanceOptions = {
  mode: "none",
  governingNode: undefined,
  policy: ProposerPolicy.RoundRobin,
  sub: 21,
};

export interface GovernanceModules {
  /** This node's address: only the governing node may vote. */
  self?: Uint8Array;
  /** Header lookup for snapshot(n); the node passes the Chain. */
  headers?: { getHeaderByNumber(n: bigint): Promise<{ header: Header; hash: Uint8Array } | undefined> };
}

export interface TallyEntry {
  key: GovernanceKey;
  value: string;
  approvalPercentage: number;
  /** Block that carried the vote. */
  number: bigint;
}

export interface Snapshot {
  number: bigint;
  hash: Uint8Array;
  /** The council that decides block number + 1. */
  validators: Uint8Array[];
  policy: ProposerPolicy;
  sub: number;
  votes: { validator: Uint8Array; key: GovernanceKey; value: string; number: bigint }[];
}

/** Tally history kept for governance_showTally; old entries are of no use to an operator. */
const MAX_TALLY = 128;

/**
 * Council governance, Klaytn's "single" mode: the governing node queues votes, proposes them in `voteData`,
 * and a committed block whose proposer is the governing node and whose vote names it changes the council
 * from the next block on. The council of block N+1 is a pure function of header N (its validators and its
 * vote), so every importer derives the same council without extra state.
 */
export class GovernanceState {
  readonly opts: GovernanceOptions;
  private readonly queue: { key: GovernanceKey; addresses: Uint8Array[] }[] = [];
  private readonly applied: TallyEntry[] = [];
  private readonly voteCache = new WeakMap<Header, GovernanceVote | null>();

  constructor(
    opts: Partial<GovernanceOptions>,
    private readonly modules: GovernanceModules = {},
  ) {
    this.opts = { ...defaultGovernanceOptions, ...opts };
  }

  static fromChainConfig(config: ChainConfig, modules: GovernanceModules = {}): GovernanceState {
    const g = config.governance;
    return new GovernanceState(
      {
        mode: g.governanceMode,
        governingNode: g.governingNode ? parseAddress(g.governingNode) : undefined,
        policy: config.istanbul.policy as ProposerPolicy,
        sub: config.istanbul.sub,
      },
      modules,
    );
  }

  get policy(): ProposerPolicy {
    return this.opts.policy;
  }

  get sub(): number {
    return this.opts.sub;
  }

  /** governance_vote: queue a vote for the next block this node proposes. */
  vote(key: string, value: unknown): void {
    const { mode, governingNode } = this.opts;
    const self = this.modules.self;
    if (mode !== "single" || !governingNode || !self || !equalBytes(self, governingNode)) {
      throw new GovernanceError(
        { code: GovernanceErrorCode.NOT_GOVERNING_NODE, mode },
        "You don't have the right to vote",
      );
    }
    if (!isGovernanceKey(key)) {
      throw new GovernanceError({ code: GovernanceErrorCode.UNKNOWN_KEY, key }, `unsupported governance key ${key}`);
    }
    const addresses = parseVoteValue(key, value);
    const dup = this.queue.some(
      (v) =>
        v.key === key &&
        v.addresses.length === addresses.length &&
        v.addresses.every((a, i) => equalBytes(a, addresses[i])),
    );
    if (!dup) this.queue.push({ key, addresses });
  }

  /** Votes queued and not yet seen in a committed block. */
  pendingVotes(): { key: GovernanceKey; value: string }[] {
    return this.queue.map((v) => ({ key: v.key, value: formatAddresses(v.addresses) }));
  }

  /** voteData for a block `proposer` builds: the oldest queued vote, if this node may vote. */
  voteDataFor(proposer: Uint8Array): Uint8Array {
    const first = this.queue[0];
    const g = this.opts.governingNode;
    if (!first || this.opts.mode !== "single" || !g || !equalBytes(proposer, g)) return new Uint8Array(0);
    return encodeVoteData({ validator: proposer, key: first.key, addresses: first.addresses });
  }

  /** Called for every block that becomes the head (committed here or imported). */
  onCommitted(header: Header): void {
    const vote = this.effectiveVote(header);
    if (!vote) return;
    const i = this.queue.findIndex(
      (v) =>
        v.key === vote.key &&
        v.addresses.length === vote.addresses.length &&
        v.addresses.every((a, j) => equalBytes(a, vote.addresses[j])),
    );
    if (i >= 0) this.queue.splice(i, 1);
    this.applied.push({
      key: vote.key,
      value: formatAddresses(vote.addresses),
      approvalPercentage: 100,
      number: header.number,
    });
    if (this.applied.length > MAX_TALLY) this.applied.shift();
  }

  /** governance_showTally: votes that passed in committed blocks (in single mode the one voter is 100%). */
  tally(): TallyEntry[] {
    return this.applied.slice();
  }

  /** The council that produced `header` (its extra validators). */
  councilAt(header: Header): Uint8Array[] {
    return istanbulExtraOf(header).validators;
  }

  /** The council that decides the child of `header`: its validators changed by its vote, if the vote counts. */
  councilAfter(header: Header): Uint8Array[] {
    const council = this.councilAt(header);
    const vote = this.effectiveVote(header);
    if (!vote) return council;
    return applyVote(council, vote);
  }

  /**
   * The vote a header carries if it takes effect: mode single, well-formed, cast by the governing node,
   * which also sealed the block. Anything else in voteData is ignored — deterministically, so importers
   * agree.
   */
  effectiveVote(header: Header): GovernanceVote | undefined {
    if (header.voteData.length === 0 || this.opts.mode !== "single" || header.number === 0n) return undefined;
    const cached = this.voteCache.get(header);
    if (cached !== undefined) return cached ?? undefined;
    let vote: GovernanceVote | null = null;
    const g = this.opts.governingNode;
    try {
      const v = decodeVoteData(header.voteData);
      const proposer = proposerOf(header);
      if (g && equalBytes(v.validator, g) && proposer && equalBytes(proposer, g)) vote = v;
    } catch {
      vote = null;
    }
    this.voteCache.set(header, vote);
    return vote ?? undefined;
  }

  /** istanbul_getSnapshot(n). */
  async snapshot(n: bigint): Promise<Snapshot | undefined> {
    const found = await this.modules.headers?.getHeaderByNumber(n);
    if (!found) return undefined;
    const vote = this.effectiveVote(found.header);
    return {
      number: found.header.number,
      hash: found.hash,
      validators: this.councilAfter(found.header),
      policy: this.opts.policy,
      sub: this.opts.sub,
      votes: vote
        ? [
            {
              validator: vote.validator,
              key: vote.key,
              value: formatAddresses(vote.addresses),
              number: found.header.number,
            },
          ]
        : [],
    };
  }

  /** klay_getBlockWithConsensusInfoByNumber: needs the block's parent for the proposer rotation. */
  consensusInfo(header: Header, parent: Header | undefined): ConsensusInfo {
    return consensusInfo(header, parent, this.opts.policy, this.opts.sub);
  }
}

/** Adds new members at the end and drops removed ones in place; a council never becomes empty. */
export function applyVote(council: readonly Uint8Array[], vote: GovernanceVote): Uint8Array[] {
  if (vote.key === "governance.addvalidator") {
    const out = council.slice();
    for (const a of vote.addresses) if (!out.some((v) => equalBytes(v, a))) out.push(a);
    return out;
  }
  const out = council.filter((v) => !vote.addresses.some((a) => equalBytes(a, v)));
  return out.length === 0 ? council.slice() : out;
}

function formatAddresses(addresses: Uint8Array[]): string {
  return addresses.map((a) => addressToHex(a)).join(",");
}

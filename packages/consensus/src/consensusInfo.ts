import { type Header, headerRound, recoverCommitters } from "@knode/types";
import { committeeFor } from "./committee.js";
import type { ProposerPolicy } from "./proposer.js";
import { istanbulExtraOf, proposerOf } from "./verify.js";

/** What klay_getBlockWithConsensusInfoByNumber adds to a block. */
export interface ConsensusInfo {
  /** Undefined for genesis, which nobody sealed. */
  proposer: Uint8Array | undefined;
  committee: Uint8Array[];
  round: number;
  committers: Uint8Array[];
}

/**
 * Consensus facts of a stored block, recomputed from it and its parent: the council is the block's own
 * validator list (verified against the parent on import), the committee that of its commit round.
 */
export function consensusInfo(
  header: Header,
  parent: Header | undefined,
  policy: ProposerPolicy,
  sub: number,
): ConsensusInfo {
  const council = istanbulExtraOf(header).validators;
  if (header.number === 0n || !parent)
    return { proposer: undefined, committee: council.slice(), round: 0, committers: [] };
  const round = headerRound(header);
  return {
    proposer: proposerOf(header),
    committee: committeeFor(council, header.parentHash, proposerOf(parent), round, policy, sub),
    round,
    committers: recoverCommitters(header),
  };
}

import { bytesToHex, equalBytes } from "@knode/common";
import { addressToHex } from "@knode/crypto";
import {
  decodeIstanbulExtra,
  type Header,
  headerRound,
  type IstanbulExtra,
  recoverCommitters,
  recoverProposer,
} from "@knode/types";
import { committeeFor, isMember } from "./committee.js";
import { ConsensusError, ConsensusErrorCode } from "./errors.js";
import { type ProposerPolicy, selectProposer } from "./proposer.js";
import { quorumSize } from "./quorum.js";

export interface VerifiedSeals {
  proposer: Uint8Array;
  committers: Uint8Array[];
  round: number;
}

/** Klaytn allows a block up to this far ahead of the local clock. */
export const ALLOWED_FUTURE_BLOCK_MS = 1_000;

export function headerTimeMs(h: Header): number {
  return Number(h.timestamp) * 1000 + h.timestampFoS * 10;
}

export function istanbulExtraOf(h: Header): IstanbulExtra {
  try {
    return decodeIstanbulExtra(h.extraData);
  } catch (e) {
    throw new ConsensusError(
      { code: ConsensusErrorCode.INVALID_EXTRA, reason: (e as Error).message },
      `invalid istanbul extra in block ${h.number}: ${(e as Error).message}`,
    );
  }
}

/** Proposer of a block, or undefined for genesis (which carries no seal). */
export function proposerOf(h: Header): Uint8Array | undefined {
  if (h.number === 0n) return undefined;
  return recoverProposer(h);
}

/**
 * Checks a header against its parent and the council that must have produced it: linkage, block score,
 * time, the proposer seal and the committed seals. The seal must come from the policy's proposer of the
 * header's round or of an earlier round (a block prepared in round r and re-proposed under QBFT keeps its
 * first proposer's seal; the round byte says where it was committed). The committers must be distinct
 * members of that round's committee (`sub` members drawn from the council, see committeeFor) and reach
 * its quorum — the same rule as live consensus. Throws ConsensusError.
 */
export function verifyHeader(
  header: Header,
  parent: Header,
  parentHash: Uint8Array,
  council: readonly Uint8Array[],
  policy: ProposerPolicy,
  nowMs: number = Date.now(),
  sub: number = Number.MAX_SAFE_INTEGER,
): VerifiedSeals {
  if (!equalBytes(header.parentHash, parentHash) || header.number !== parent.number + 1n) {
    throw new ConsensusError(
      { code: ConsensusErrorCode.INVALID_PARENT, reason: "parent hash or number mismatch" },
      `block ${header.number} does not extend ${bytesToHex(parentHash)}`,
    );
  }
  if (header.blockScore !== 1n) {
    throw new ConsensusError({ code: ConsensusErrorCode.INVALID_BLOCKSCORE, value: header.blockScore.toString() });
  }
  checkTimestamp(header, parent, nowMs);
  const extra = istanbulExtraOf(header);
  if (extra.validators.length === 0 || council.length === 0) {
    throw new ConsensusError({ code: ConsensusErrorCode.INVALID_EXTRA, reason: "empty validator list" });
  }
  const round = headerRound(header);

  let proposer: Uint8Array;
  try {
    proposer = recoverProposer(header);
  } catch (e) {
    throw new ConsensusError({ code: ConsensusErrorCode.INVALID_SEAL, reason: (e as Error).message });
  }
  const lastProposer = proposerOf(parent);
  if (!isProposerUpTo(council, lastProposer, round, policy, proposer)) {
    const expected = selectProposer(council, lastProposer, round, policy);
    throw new ConsensusError(
      { code: ConsensusErrorCode.UNAUTHORIZED_PROPOSER, proposer: addressToHex(proposer) },
      `block ${header.number} sealed by ${addressToHex(proposer)}, expected ${addressToHex(expected)}`,
    );
  }

  let committers: Uint8Array[];
  try {
    committers = recoverCommitters(header);
  } catch (e) {
    throw new ConsensusError(
      { code: ConsensusErrorCode.INVALID_COMMITTED_SEAL, index: -1, reason: (e as Error).message },
      `block ${header.number} has an invalid committed seal: ${(e as Error).message}`,
    );
  }
  const committee = committeeFor(council, parentHash, lastProposer, round, policy, sub);
  const seen = new Set<string>();
  for (let i = 0; i < committers.length; i++) {
    const c = committers[i];
    const key = bytesToHex(c);
    if (seen.has(key) || !isMember(committee, c)) {
      throw new ConsensusError(
        { code: ConsensusErrorCode.INVALID_COMMITTED_SEAL, index: i, reason: "duplicate or not in committee" },
        `block ${header.number} committed seal ${i} is from ${addressToHex(c)}, a duplicate or non-member`,
      );
    }
    seen.add(key);
  }
  const need = quorumSize(committee.length);
  if (committers.length < need) {
    throw new ConsensusError(
      { code: ConsensusErrorCode.INSUFFICIENT_COMMITTED_SEALS, have: committers.length, need },
      `block ${header.number} has ${committers.length} committed seals, needs ${need}`,
    );
  }
  return { proposer, committers, round };
}

/** Timestamp after the parent's and not beyond the allowed clock drift. */
export function checkTimestamp(header: Header, parent: Header, nowMs: number): void {
  const t = headerTimeMs(header);
  if (t <= headerTimeMs(parent)) {
    throw new ConsensusError(
      { code: ConsensusErrorCode.INVALID_TIMESTAMP, reason: "not after parent" },
      `block ${header.number} timestamp is not after its parent's`,
    );
  }
  if (t > nowMs + ALLOWED_FUTURE_BLOCK_MS) {
    throw new ConsensusError(
      { code: ConsensusErrorCode.INVALID_TIMESTAMP, reason: "in the future" },
      `block ${header.number} timestamp is in the future`,
    );
  }
}

/** Whether `who` is the policy's proposer for some round in 0..round. */
export function isProposerUpTo(
  council: readonly Uint8Array[],
  lastProposer: Uint8Array | undefined,
  round: number,
  policy: ProposerPolicy,
  who: Uint8Array,
): boolean {
  for (let r = round; r >= 0; r--) if (equalBytes(selectProposer(council, lastProposer, r, policy), who)) return true;
  return false;
}

/** The block's extra must list exactly the council derived from its parent. */
export function checkValidators(header: Header, council: readonly Uint8Array[]): void {
  const listed = istanbulExtraOf(header).validators;
  if (listed.length !== council.length || listed.some((v, i) => !equalBytes(v, council[i]))) {
    throw new ConsensusError(
      { code: ConsensusErrorCode.INVALID_VALIDATORS, reason: "extra validators differ from the council" },
      `block ${header.number} lists a council that differs from the one derived from its parent`,
    );
  }
}

/** What an importer needs to know about the chain's consensus rules. */
export interface CouncilSource {
  readonly policy: ProposerPolicy;
  readonly sub: number;
  councilAfter(parent: Header): Uint8Array[];
}

/**
 * The `verify` callback for Chain.importBlock: council from the parent (with its governance vote), the
 * listed validators, then verifyHeader with the committee of the header's round and its quorum.
 */
export function makeImportVerifier(
  rules: CouncilSource,
  now: () => number = Date.now,
): (header: Header, parent: Header, parentHash: Uint8Array) => VerifiedSeals {
  return (header, parent, parentHash) => {
    const council = rules.councilAfter(parent);
    checkValidators(header, council);
    return verifyHeader(header, parent, parentHash, council, rules.policy, now(), rules.sub);
  };
}

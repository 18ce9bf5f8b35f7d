import { bytesToHex, equalBytes } from "@knode/common";
import { addressToHex } from "@knode/crypto";
import {
  type Header,
  type IstanbulExtra,
  decodeIstanbulExtra,
  headerRound,
  recoverCommitters,
  recoverProposer,
} from "@knode/types";
import { ConsensusError, ConsensusErrorCode } from "./errors.js";
import { ProposerPolicy, selectProposer } from "./proposer.js";
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
 * time, the proposer seal (a council member, and the one the policy selects for the round) and the
 * committed seals (distinct council members, at least a quorum of the committee). Throws ConsensusError.
 */
export function verifyHeader(
  header: Header,
  parent: Header,
  parentHash: Uint8Array,
  council: readonly Uint8Array[],
  policy: ProposerPolicy,
  nowMs: number = Date.now(),
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
  const extra = istanbulExtraOf(header);
  const round = headerRound(header);

  let proposer: Uint8Array;
  try {
    proposer = recoverProposer(header);
  } catch (e) {
    throw new ConsensusError({ code: ConsensusErrorCode.INVALID_SEAL, reason: (e as Error).message });
  }
  const expected = selectProposer(council, proposerOf(parent), round, policy);
  if (!equalBytes(proposer, expected)) {
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
  const seen = new Set<string>();
  for (let i = 0; i < committers.length; i++) {
    const c = committers[i];
    const key = bytesToHex(c);
    if (seen.has(key) || !council.some((v) => equalBytes(v, c))) {
      throw new ConsensusError(
        { code: ConsensusErrorCode.INVALID_COMMITTED_SEAL, index: i, reason: "duplicate or not in council" },
        `block ${header.number} committed seal ${i} is from ${addressToHex(c)}, a duplicate or non-member`,
      );
    }
    seen.add(key);
  }
  const need = quorumSize(council.length);
  if (committers.length < need) {
    throw new ConsensusError(
      { code: ConsensusErrorCode.INSUFFICIENT_COMMITTED_SEALS, have: committers.length, need },
      `block ${header.number} has ${committers.length} committed seals, needs ${need}`,
    );
  }
  if (extra.validators.length === 0) {
    throw new ConsensusError({ code: ConsensusErrorCode.INVALID_EXTRA, reason: "empty validator list" });
  }
  return { proposer, committers, round };
}

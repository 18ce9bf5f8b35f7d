import { isKnodeError } from "@knode/common";
import { privateKeyToAddress, sign } from "@knode/crypto";
import {
  commitSealDigest,
  EMPTY_BLOOM,
  encodeIstanbulExtra,
  type Header,
  headerHash,
  proposerSealDigest,
  setCommittedSeals,
  setHeaderRound,
  setHeaderSeal,
} from "@knode/types";
import { describe, expect, it } from "vitest";
import { ConsensusErrorCode } from "../src/errors.js";
import { ProposerPolicy } from "../src/proposer.js";
import { verifyHeader } from "../src/verify.js";

const keys = [1, 2, 3, 4].map((i) => new Uint8Array(32).fill(i));
const council = keys.map(privateKeyToAddress);

function baseHeader(number: bigint, parentHash: Uint8Array, timestamp: bigint): Header {
  return {
    parentHash,
    rewardbase: new Uint8Array(20),
    stateRoot: new Uint8Array(32),
    txRoot: new Uint8Array(32),
    receiptsRoot: new Uint8Array(32),
    logsBloom: EMPTY_BLOOM,
    blockScore: 1n,
    number,
    gasUsed: 0n,
    timestamp,
    timestampFoS: 0,
    extraData: encodeIstanbulExtra({
      vanity: new Uint8Array(32),
      validators: council,
      seal: new Uint8Array(0),
      committedSeals: [],
    }),
    governanceData: new Uint8Array(0),
    voteData: new Uint8Array(0),
    baseFee: 25_000_000_000n,
  };
}

/** Seals `h` as proposer `p` at `round` and adds committed seals from `committers` (indexes into keys). */
function seal(h: Header, p: number, round: number, committers: number[], digestOverride?: Uint8Array): Header {
  const unsealed = setHeaderRound(h, round);
  const sealed = setHeaderSeal(unsealed, sign(proposerSealDigest(unsealed), keys[p]));
  const digest = digestOverride ?? commitSealDigest(headerHash(sealed));
  return setCommittedSeals(
    sealed,
    committers.map((c) => sign(digest, keys[c])),
  );
}

const parent = baseHeader(0n, new Uint8Array(32), 1_000n);
const parentHash = headerHash(parent);
const now = 2_000_000;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return isKnodeError(e) ? e.code : `unexpected: ${(e as Error).message}`;
  }
}

describe("verifyHeader", () => {
  it("accepts the expected proposer with a quorum of distinct committers", () => {
    const h = seal(baseHeader(1n, parentHash, 1_001n), 0, 0, [0, 1, 2]);
    const v = verifyHeader(h, parent, parentHash, council, ProposerPolicy.RoundRobin, now);
    expect(v.proposer).toEqual(council[0]);
    expect(v.committers).toHaveLength(3);
    // round 1 moves the proposer to the next validator
    const r1 = seal(baseHeader(1n, parentHash, 1_001n), 1, 1, [0, 1, 2, 3]);
    expect(verifyHeader(r1, parent, parentHash, council, ProposerPolicy.RoundRobin, now).round).toBe(1);
  });

  it("refuses a committed seal over the wrong digest (the block cannot be imported)", () => {
    const wrong = seal(
      baseHeader(1n, parentHash, 1_001n),
      0,
      0,
      [0, 1, 2],
      commitSealDigest(new Uint8Array(32).fill(9)),
    );
    // the seals recover to strangers, so they fail membership
    expect(codeOf(() => verifyHeader(wrong, parent, parentHash, council, ProposerPolicy.RoundRobin, now))).toBe(
      ConsensusErrorCode.INVALID_COMMITTED_SEAL,
    );
  });

  it("refuses duplicates, too few seals, strangers and the wrong proposer", () => {
    const h = baseHeader(1n, parentHash, 1_001n);
    const dup = seal(h, 0, 0, [0, 0, 1]);
    expect(codeOf(() => verifyHeader(dup, parent, parentHash, council, ProposerPolicy.RoundRobin, now))).toBe(
      ConsensusErrorCode.INVALID_COMMITTED_SEAL,
    );
    const few = seal(h, 0, 0, [0, 1]);
    expect(codeOf(() => verifyHeader(few, parent, parentHash, council, ProposerPolicy.RoundRobin, now))).toBe(
      ConsensusErrorCode.INSUFFICIENT_COMMITTED_SEALS,
    );
    const wrongProposer = seal(h, 2, 0, [0, 1, 2]);
    expect(codeOf(() => verifyHeader(wrongProposer, parent, parentHash, council, ProposerPolicy.RoundRobin, now))).toBe(
      ConsensusErrorCode.UNAUTHORIZED_PROPOSER,
    );
    const smallCouncil = council.slice(0, 3);
    const stranger = seal(h, 0, 0, [0, 1, 3]);
    expect(codeOf(() => verifyHeader(stranger, parent, parentHash, smallCouncil, ProposerPolicy.RoundRobin, now))).toBe(
      ConsensusErrorCode.INVALID_COMMITTED_SEAL,
    );
  });

  it("refuses bad linkage, block score and time", () => {
    const good = seal(baseHeader(1n, parentHash, 1_001n), 0, 0, [0, 1, 2]);
    expect(codeOf(() => verifyHeader(good, parent, new Uint8Array(32), council, ProposerPolicy.RoundRobin, now))).toBe(
      ConsensusErrorCode.INVALID_PARENT,
    );
    const early = seal(baseHeader(1n, parentHash, 1_000n), 0, 0, [0, 1, 2]);
    expect(codeOf(() => verifyHeader(early, parent, parentHash, council, ProposerPolicy.RoundRobin, now))).toBe(
      ConsensusErrorCode.INVALID_TIMESTAMP,
    );
    const future = seal(baseHeader(1n, parentHash, 5_000n), 0, 0, [0, 1, 2]);
    expect(codeOf(() => verifyHeader(future, parent, parentHash, council, ProposerPolicy.RoundRobin, now))).toBe(
      ConsensusErrorCode.INVALID_TIMESTAMP,
    );
    const score = seal({ ...baseHeader(1n, parentHash, 1_001n), blockScore: 2n }, 0, 0, [0, 1, 2]);
    expect(codeOf(() => verifyHeader(score, parent, parentHash, council, ProposerPolicy.RoundRobin, now))).toBe(
      ConsensusErrorCode.INVALID_BLOCKSCORE,
    );
  });
});

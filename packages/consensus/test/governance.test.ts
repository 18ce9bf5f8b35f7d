import { bytesToHex, isKnodeError } from "@knode/common";
import { sign } from "@knode/crypto";
import { commitSealDigest, headerHash, setCommittedSeals } from "@knode/types";
import { afterEach, describe, expect, it } from "vitest";
import { ConsensusErrorCode } from "../src/errors.js";
import { GovernanceErrorCode } from "../src/governance/errors.js";
import { GovernanceState } from "../src/governance/governanceState.js";
import { decodeVoteData, encodeVoteData, GovernanceKey } from "../src/governance/voteData.js";
import { MessageCode } from "../src/messages/consensusMessage.js";
import { makeImportVerifier } from "../src/verify.js";
import { addrs, cleanupDirs, createNode, genesisHeader, keys, makeBlock, script, type TestNode } from "./harness.js";

const single = { mode: "single" as const, governingNode: addrs[0] };
const nodes: TestNode[] = [];
afterEach(() => {
  for (const n of nodes.splice(0)) n.close();
  cleanupDirs();
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return isKnodeError(e) ? e.code : `unexpected: ${(e as Error).message}`;
  }
}

describe("GovernanceState", () => {
  it("only the governing node in single mode may vote, on known keys with address values", () => {
    const g = new GovernanceState(single, { self: addrs[0] });
    g.vote("governance.addvalidator", bytesToHex(addrs[4]));
    g.vote("governance.addvalidator", bytesToHex(addrs[4]));
    expect(g.pendingVotes()).toEqual([{ key: GovernanceKey.AddValidator, value: bytesToHex(addrs[4]) }]);
    expect(decodeVoteData(g.voteDataFor(addrs[0])).addresses).toEqual([addrs[4]]);
    expect(g.voteDataFor(addrs[1])).toHaveLength(0);
    expect(codeOf(() => g.vote("governance.unitprice", "1"))).toBe(GovernanceErrorCode.UNKNOWN_KEY);
    expect(codeOf(() => g.vote("governance.removevalidator", "0x12"))).toBe(GovernanceErrorCode.INVALID_VALUE);
    const other = new GovernanceState(single, { self: addrs[1] });
    expect(codeOf(() => other.vote("governance.addvalidator", bytesToHex(addrs[4])))).toBe(
      GovernanceErrorCode.NOT_GOVERNING_NODE,
    );
    const none = new GovernanceState({ mode: "none" }, { self: addrs[0] });
    expect(codeOf(() => none.vote("governance.addvalidator", bytesToHex(addrs[4])))).toBe(
      GovernanceErrorCode.NOT_GOVERNING_NODE,
    );
  });

  it("derives the next council from a header's vote only when the governing node proposed it", () => {
    const council = addrs.slice(0, 3);
    const genesis = genesisHeader(council);
    const parent = { header: genesis, hash: headerHash(genesis) };
    const g = new GovernanceState(single);
    const add = (validator: Uint8Array) =>
      encodeVoteData({ validator, key: GovernanceKey.AddValidator, addresses: [addrs[5]] });
    const byGoverning = makeBlock(parent, council, 0, 0, { voteData: add(addrs[0]) }).block.header;
    expect(g.councilAfter(byGoverning).map(bytesToHex)).toEqual([...council, addrs[5]].map(bytesToHex));
    // Proposed by someone else, or naming someone else as voter: ignored by everyone alike.
    const byOther = makeBlock(parent, council, 1, 1, { voteData: add(addrs[1]) }).block.header;
    expect(g.councilAfter(byOther)).toEqual(council);
    const forged = makeBlock(parent, council, 1, 1, { voteData: add(addrs[0]) }).block.header;
    expect(g.councilAfter(forged)).toEqual(council);
    const garbage = makeBlock(parent, council, 0, 0, { voteData: Uint8Array.of(1, 2, 3) }).block.header;
    expect(g.councilAfter(garbage)).toEqual(council);
    const remove = encodeVoteData({ validator: addrs[0], key: GovernanceKey.RemoveValidator, addresses: [addrs[1]] });
    const removal = makeBlock(parent, council, 0, 0, { voteData: remove }).block.header;
    expect(g.councilAfter(removal)).toEqual([addrs[0], addrs[2]]);
  });

  it("a vote carried in block N changes the council for N+1, and shows in the tally and snapshot", async () => {
    const t = createNode(0, 1, { governance: single });
    nodes.push(t);
    t.governance.vote("governance.addvalidator", bytesToHex(addrs[4]));
    await t.core.start();
    t.clock.advance(1000);
    await t.core.settled();
    expect(t.chain.committed).toHaveLength(1);
    const b1 = t.chain.committed[0];
    expect(decodeVoteData(b1.voteData).addresses).toEqual([addrs[4]]);
    expect(t.governance.councilAt(b1)).toEqual([addrs[0]]);
    expect(t.governance.councilAfter(b1)).toEqual([addrs[0], addrs[4]]);
    expect(t.governance.pendingVotes()).toEqual([]);
    expect(t.governance.tally()).toEqual([
      { key: GovernanceKey.AddValidator, value: bytesToHex(addrs[4]), approvalPercentage: 100, number: 1n },
    ]);
    const snap = await t.governance.snapshot(1n);
    expect(snap?.validators).toEqual([addrs[0], addrs[4]]);
    expect(snap?.votes).toHaveLength(1);

    // Block 2 is decided by the council of two (the newcomer proposes next): a proposal must list both.
    const head = t.chain.head();
    const stale = makeBlock(head, [addrs[0]], 4, 0);
    expect(await t.core.handleMessage(script.preprepare(4, 2n, 0, stale.bytes))).toBe("reject");
    const b2 = makeBlock(head, [addrs[0], addrs[4]], 4, 0);
    expect(await t.core.handleMessage(script.preprepare(4, 2n, 0, b2.bytes))).toBe("accept");
    const [prep] = t.net.of(MessageCode.Prepare);
    expect(prep.height).toBe(2n);
    expect(t.net.sent[0].to).toEqual([addrs[4]]);
    expect(t.chain.committed).toHaveLength(1); // quorum is now 2

    const genesis = await t.chain.getHeaderByNumber(0n);
    const verify = makeImportVerifier(t.governance, () => t.clock.now());
    if (!genesis) throw new Error("no genesis");
    expect(verify(b1, genesis.header, genesis.hash).committers).toEqual([addrs[0]]);
    const info = t.governance.consensusInfo(b1, genesis.header);
    expect(info).toEqual({ proposer: addrs[0], committee: [addrs[0]], round: 0, committers: [addrs[0]] });
  });
});

describe("import verification with committees", () => {
  const council = addrs.slice(0, 6);
  const genesis = genesisHeader(council);
  const parent = { header: genesis, hash: headerHash(genesis) };
  const g = new GovernanceState({ sub: 4 });
  const verify = makeImportVerifier(g, () => Number(genesis.timestamp) * 1000 + 5000);
  const { block } = makeBlock(parent, council, 0, 0);
  const digest = commitSealDigest(headerHash(block.header));
  const info = g.consensusInfo({ ...block.header }, genesis);
  const members = info.committee.map((a) => addrs.findIndex((x) => bytesToHex(x) === bytesToHex(a)));
  const outsider = [0, 1, 2, 3, 4, 5].find((i) => !members.includes(i)) ?? -1;

  it("accepts a quorum of the round's committee (3 of 4) and nothing less", () => {
    expect(info.committee).toHaveLength(4);
    const ok = setCommittedSeals(
      block.header,
      members.slice(0, 3).map((i) => sign(digest, keys[i])),
    );
    expect(verify(ok, genesis, parent.hash).committers).toHaveLength(3);
    const few = setCommittedSeals(
      block.header,
      members.slice(0, 2).map((i) => sign(digest, keys[i])),
    );
    expect(codeOf(() => verify(few, genesis, parent.hash))).toBe(ConsensusErrorCode.INSUFFICIENT_COMMITTED_SEALS);
  });

  it("refuses council members outside the committee and seals over the wrong digest", () => {
    const mixed = setCommittedSeals(
      block.header,
      [members[0], members[1], outsider].map((i) => sign(digest, keys[i])),
    );
    expect(codeOf(() => verify(mixed, genesis, parent.hash))).toBe(ConsensusErrorCode.INVALID_COMMITTED_SEAL);
    const wrong = commitSealDigest(new Uint8Array(32).fill(9));
    const bad = setCommittedSeals(
      block.header,
      members.slice(0, 3).map((i) => sign(wrong, keys[i])),
    );
    expect(codeOf(() => verify(bad, genesis, parent.hash))).toBe(ConsensusErrorCode.INVALID_COMMITTED_SEAL);
  });

  it("refuses a block listing a council other than the one derived from its parent", () => {
    const other = makeBlock(parent, council.slice(0, 5), 0, 0).block;
    const seals = members.slice(0, 3).map((i) => sign(commitSealDigest(headerHash(other.header)), keys[i]));
    expect(codeOf(() => verify(setCommittedSeals(other.header, seals), genesis, parent.hash))).toBe(
      ConsensusErrorCode.INVALID_VALIDATORS,
    );
  });
});

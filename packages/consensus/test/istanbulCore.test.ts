import { bytesToHex } from "@knode/common";
import { recoverAddress } from "@knode/crypto";
import { commitSealDigest, headerRound, recoverProposer } from "@knode/types";
import { afterEach, describe, expect, it } from "vitest";
import { MessageCode } from "../src/messages/consensusMessage.js";
import { ProposerPolicy } from "../src/proposer.js";
import { verifyHeader } from "../src/verify.js";
import { addrs, cleanupDirs, createNode, makeBlock, script, type TestNode } from "./harness.js";

const council4 = addrs.slice(0, 4);
const nodes: TestNode[] = [];
function node(index: number, n: number, opts?: Parameters<typeof createNode>[2]): TestNode {
  const t = createNode(index, n, opts);
  nodes.push(t);
  return t;
}
afterEach(() => {
  for (const n of nodes.splice(0)) n.close();
  cleanupDirs();
});

/** Round 0 timeout of the test options: base 1000 + 100·2^0. */
const TIMEOUT_R0 = 1100;

async function send(t: TestNode, bytes: Uint8Array) {
  return t.core.handleMessage(bytes);
}

/** The block v0 proposes at round 0 of height 1 and the prepares of v0, v2, v3 for it. */
function preparedAtRound0(t: TestNode) {
  const b = makeBlock(t.chain.head(), council4, 0, 0);
  const prepares = [0, 2, 3].map((i) => script.prepare(i, 1n, 0, b.digest));
  return { ...b, prepares };
}

describe("IstanbulCore happy path", () => {
  it("a committee of one proposes, prepares and commits to itself through the same state machine", async () => {
    const t = node(0, 1);
    await t.core.start();
    expect(t.chain.committed).toHaveLength(0);
    t.clock.advance(1000);
    await t.core.settled();
    expect(t.chain.committed).toHaveLength(1);
    const genesis = { header: (await t.chain.getHeaderByNumber(0n))?.header };
    const h1 = t.chain.committed[0];
    const v = verifyHeader(
      h1,
      genesis.header ?? h1,
      h1.parentHash,
      [addrs[0]],
      ProposerPolicy.RoundRobin,
      t.clock.now(),
    );
    expect(v.committers).toEqual([addrs[0]]);
    expect(v.round).toBe(0);
    t.clock.advance(1000);
    await t.core.settled();
    expect(t.chain.committed).toHaveLength(2);
    expect(t.core.view).toEqual({ height: 3n, round: 0 });
    expect(t.net.sent).toHaveLength(0); // nobody else to tell
  });

  it("n = 4, non-proposer: PREPARE on a valid proposal, COMMIT on a prepare quorum, block on a commit quorum", async () => {
    const t = node(1, 4);
    await t.core.start();
    const genesis = t.chain.head();
    const b = makeBlock(genesis, council4, 0, 0);
    t.clock.advance(1000);
    expect(t.net.sent).toHaveLength(0);
    expect(t.core.verifiedPayload(b.digest)).toBeUndefined();
    expect(await send(t, script.preprepare(0, 1n, 0, b.bytes))).toBe("accept");
    // The verified proposal is what a gossiped copy of this block may be committed from; nothing else is.
    expect(t.core.verifiedPayload(b.digest)?.tag).toBe("verified");
    expect(t.core.verifiedPayload(genesis.hash)).toBeUndefined();
    const [prep] = t.net.of(MessageCode.Prepare);
    expect(bytesToHex(prep.digest)).toBe(bytesToHex(b.digest));
    expect(prep.signer).toEqual(addrs[1]);
    expect(t.net.sent[0].to.map(bytesToHex).sort()).toEqual([addrs[0], addrs[2], addrs[3]].map(bytesToHex).sort());

    expect(await send(t, script.prepare(0, 1n, 0, b.digest))).toBe("accept");
    expect(t.net.of(MessageCode.Commit)).toHaveLength(0);
    expect(await send(t, script.prepare(2, 1n, 0, b.digest))).toBe("accept");
    const [commit] = t.net.of(MessageCode.Commit);
    expect(recoverAddress(commitSealDigest(b.digest), commit.committedSeal)).toEqual(addrs[1]);

    expect(await send(t, script.commit(0, 1n, 0, b.digest))).toBe("accept");
    expect(t.chain.committed).toHaveLength(0);
    expect(await send(t, script.commit(2, 1n, 0, b.digest))).toBe("accept");
    expect(t.chain.committed).toHaveLength(1);
    const v = verifyHeader(
      t.chain.committed[0],
      genesis.header,
      genesis.hash,
      council4,
      ProposerPolicy.RoundRobin,
      t.clock.now(),
    );
    expect(v.committers.map(bytesToHex)).toEqual([addrs[0], addrs[1], addrs[2]].map(bytesToHex));
    expect(t.core.view?.height).toBe(2n);
  });

  it("n = 4, proposer: PREPREPARE after the block period, then the same exchange", async () => {
    const t = node(0, 4);
    await t.core.start();
    t.clock.advance(999);
    await t.core.settled();
    expect(t.net.of(MessageCode.Preprepare)).toHaveLength(0);
    t.clock.advance(1);
    await t.core.settled();
    const [pp] = t.net.of(MessageCode.Preprepare);
    expect(pp.round).toBe(0);
    expect(recoverProposer(pp.block.header)).toEqual(addrs[0]);
    expect(t.net.of(MessageCode.Prepare)).toHaveLength(1);
    await send(t, script.prepare(1, 1n, 0, pp.digest));
    await send(t, script.prepare(2, 1n, 0, pp.digest));
    expect(t.net.of(MessageCode.Commit)).toHaveLength(1);
    await send(t, script.commit(3, 1n, 0, pp.digest));
    await send(t, script.commit(2, 1n, 0, pp.digest));
    expect(t.chain.committed).toHaveLength(1);
    expect(headerRound(t.chain.committed[0])).toBe(0);
  });
});

describe("IstanbulCore round changes", () => {
  it("times out, sends ROUNDCHANGE, and as the next proposer proposes on a round-change quorum", async () => {
    const t = node(1, 4);
    await t.core.start();
    t.clock.advance(TIMEOUT_R0 - 1);
    await t.core.settled();
    expect(t.net.of(MessageCode.RoundChange)).toHaveLength(0);
    t.clock.advance(1);
    await t.core.settled();
    const [rc] = t.net.of(MessageCode.RoundChange);
    expect(rc.round).toBe(1);
    expect(rc.prepared).toBeUndefined();
    expect(t.core.view?.round).toBe(1);

    expect(await send(t, script.roundChange(2, 1n, 1).full)).toBe("accept");
    expect(t.net.of(MessageCode.Preprepare)).toHaveLength(0);
    expect(await send(t, script.roundChange(3, 1n, 1).full)).toBe("accept");
    const [pp] = t.net.of(MessageCode.Preprepare);
    expect(pp.round).toBe(1);
    expect(pp.justification?.roundChanges).toHaveLength(3);
    expect(pp.justification?.prepares).toHaveLength(0);
    expect(headerRound(pp.block.header)).toBe(1);
    expect(recoverProposer(pp.block.header)).toEqual(addrs[1]);
  });

  it("follows f+1 members to the lowest higher round they announce", async () => {
    const t = node(3, 4);
    await t.core.start();
    expect(await send(t, script.roundChange(0, 1n, 3).full)).toBe("accept");
    expect(t.core.view?.round).toBe(0);
    expect(await send(t, script.roundChange(1, 1n, 2).full)).toBe("accept");
    expect(t.core.view?.round).toBe(2);
    expect(t.net.of(MessageCode.RoundChange).map((m) => m.round)).toEqual([2]);
  });

  it("carries its prepared certificate and re-proposes the locked block as the next proposer", async () => {
    const t = node(1, 4);
    await t.core.start();
    const b = preparedAtRound0(t);
    await send(t, script.preprepare(0, 1n, 0, b.bytes));
    await send(t, b.prepares[0]);
    await send(t, b.prepares[1]);
    expect(t.net.of(MessageCode.Commit)).toHaveLength(1); // prepared and locked, but the commits never come
    t.clock.advance(TIMEOUT_R0);
    await t.core.settled();
    const [rc] = t.net.of(MessageCode.RoundChange);
    expect(rc.prepared?.round).toBe(0);
    expect(bytesToHex(rc.prepared?.digest ?? new Uint8Array())).toBe(bytesToHex(b.digest));
    expect(rc.certificate?.prepares.length).toBeGreaterThanOrEqual(3);

    await send(t, script.roundChange(2, 1n, 1).full);
    await send(t, script.roundChange(3, 1n, 1).full);
    const [pp] = t.net.of(MessageCode.Preprepare);
    expect(pp.round).toBe(1);
    expect(bytesToHex(pp.digest)).toBe(bytesToHex(b.digest));
    expect(pp.justification?.prepares.length).toBeGreaterThanOrEqual(3);
    // And it finishes: prepares and commits at round 1 commit the old block with round byte 1.
    for (const i of [0, 2]) await send(t, script.prepare(i, 1n, 1, b.digest));
    for (const i of [0, 2]) await send(t, script.commit(i, 1n, 1, b.digest));
    expect(t.chain.committed).toHaveLength(1);
    expect(headerRound(t.chain.committed[0])).toBe(1);
    expect(recoverProposer(t.chain.committed[0])).toEqual(addrs[0]);
  });

  it("re-proposes the highest prepared block reported by another validator", async () => {
    const t = node(1, 4);
    await t.core.start();
    const b = preparedAtRound0(t);
    t.clock.advance(TIMEOUT_R0);
    await t.core.settled();
    const cert = { round: 0, digest: b.digest, blockBytes: b.bytes, prepares: b.prepares };
    expect(await send(t, script.roundChange(2, 1n, 1, cert).full)).toBe("accept");
    await send(t, script.roundChange(3, 1n, 1).full);
    const [pp] = t.net.of(MessageCode.Preprepare);
    expect(bytesToHex(pp.digest)).toBe(bytesToHex(b.digest));
    expect(pp.justification?.roundChanges[0].prepared?.round).toBe(0);
  });

  it("rejects proposals whose justification does not hold, accepts the one that does", async () => {
    const t = node(2, 4);
    await t.core.start();
    const b = preparedAtRound0(t);
    t.clock.advance(TIMEOUT_R0);
    await t.core.settled();
    const cert = { round: 0, digest: b.digest, blockBytes: b.bytes, prepares: b.prepares };
    const rcs = [script.roundChange(0, 1n, 1, cert), script.roundChange(1, 1n, 1), script.roundChange(3, 1n, 1)];
    const stripped = rcs.map((r) => r.stripped);
    const fresh = makeBlock(t.chain.head(), council4, 1, 1, { offsetMs: 1500 });

    // A fresh block although a prepared certificate is cited.
    const ignoresLock = script.preprepare(1, 1n, 1, fresh.bytes, { roundChanges: stripped, prepares: b.prepares });
    expect(await send(t, ignoresLock)).toBe("reject");
    // Too few round changes.
    const short = script.preprepare(1, 1n, 1, b.bytes, { roundChanges: stripped.slice(0, 2), prepares: b.prepares });
    expect(await send(t, short)).toBe("reject");
    // The certificate's prepares left out.
    const noPrepares = script.preprepare(1, 1n, 1, b.bytes, { roundChanges: stripped, prepares: [] });
    expect(await send(t, noPrepares)).toBe("reject");
    // Not the proposer of round 1.
    const wrongSender = script.preprepare(3, 1n, 1, b.bytes, { roundChanges: stripped, prepares: b.prepares });
    expect(await send(t, wrongSender)).toBe("reject");
    expect(t.net.of(MessageCode.Prepare)).toHaveLength(0);

    const good = script.preprepare(1, 1n, 1, b.bytes, { roundChanges: stripped, prepares: b.prepares });
    expect(await send(t, good)).toBe("accept");
    const [prep] = t.net.of(MessageCode.Prepare);
    expect(prep.round).toBe(1);
    expect(bytesToHex(prep.digest)).toBe(bytesToHex(b.digest));
  });

  it("rejects a round change whose certificate does not prove a prepare quorum", async () => {
    const t = node(2, 4);
    await t.core.start();
    const b = preparedAtRound0(t);
    const cert = { round: 0, digest: b.digest, blockBytes: b.bytes, prepares: b.prepares.slice(0, 2) };
    expect(await send(t, script.roundChange(0, 1n, 1, cert).full)).toBe("reject");
  });
});

describe("IstanbulCore message hygiene", () => {
  it("ignores duplicates and old views, rejects equivocation", async () => {
    const t = node(1, 4);
    await t.core.start();
    const b = makeBlock(t.chain.head(), council4, 0, 0);
    const pp = script.preprepare(0, 1n, 0, b.bytes);
    expect(await send(t, pp)).toBe("accept");
    expect(await send(t, pp)).toBe("ignore");
    const other = makeBlock(t.chain.head(), council4, 0, 0, { offsetMs: 1200 });
    expect(await send(t, script.preprepare(0, 1n, 0, other.bytes))).toBe("reject");
    const prep = script.prepare(0, 1n, 0, b.digest);
    expect(await send(t, prep)).toBe("accept");
    expect(await send(t, prep)).toBe("ignore");
    expect(await send(t, script.prepare(0, 1n, 0, other.digest))).toBe("reject");
    expect(await send(t, script.prepare(2, 0n, 0, b.digest))).toBe("ignore");
    t.clock.advance(TIMEOUT_R0);
    await t.core.settled();
    expect(await send(t, script.prepare(3, 1n, 0, b.digest))).toBe("ignore");
    expect(t.net.of(MessageCode.Prepare)).toHaveLength(1);
  });

  it("buffers messages of a later round and replays them on entering it", async () => {
    const t = node(2, 4);
    await t.core.start();
    const fresh = makeBlock(t.chain.head(), council4, 1, 1, { offsetMs: 1100 });
    const rcs = [0, 1, 3].map((i) => script.roundChange(i, 1n, 1).stripped);
    expect(await send(t, script.preprepare(1, 1n, 1, fresh.bytes, { roundChanges: rcs, prepares: [] }))).toBe("accept");
    expect(await send(t, script.prepare(0, 1n, 1, fresh.digest))).toBe("accept");
    expect(await send(t, script.prepare(3, 1n, 1, fresh.digest))).toBe("accept");
    expect(t.net.sent).toHaveLength(0);
    t.clock.advance(TIMEOUT_R0);
    await t.core.settled();
    expect(t.net.sent.map((s) => [s.msg.code, s.msg.round])).toEqual([
      [MessageCode.RoundChange, 1],
      [MessageCode.Prepare, 1],
      [MessageCode.Commit, 1],
    ]);
  });

  it("buffers later heights and reports being behind once f+1 members show it", async () => {
    const behind: bigint[] = [];
    const t = node(1, 4, { onBehind: (h) => behind.push(h) });
    await t.core.start();
    const digest = new Uint8Array(32).fill(7);
    expect(await send(t, script.prepare(0, 5n, 0, digest))).toBe("ignore");
    expect(behind).toEqual([]);
    expect(await send(t, script.prepare(3, 6n, 0, digest))).toBe("ignore");
    expect(behind).toEqual([6n]);
  });

  it("rejects non-members, bad signatures, foreign committed seals and garbage", async () => {
    const t = node(1, 4);
    await t.core.start();
    const b = makeBlock(t.chain.head(), council4, 0, 0);
    expect(await send(t, script.prepare(9, 1n, 0, b.digest))).toBe("reject");
    expect(await send(t, script.preprepare(9, 1n, 0, b.bytes))).toBe("reject");
    const tampered = script.prepare(0, 1n, 0, b.digest);
    tampered[tampered.length - 20] ^= 0xff;
    expect(await send(t, tampered)).toBe("reject");
    expect(await send(t, script.commit(0, 1n, 0, b.digest, new Uint8Array(32).fill(4)))).toBe("reject");
    expect(await send(t, Uint8Array.of(1, 2, 3))).toBe("reject");
    const bad = makeBlock(t.chain.head(), council4, 0, 0, { bad: true });
    expect(await send(t, script.preprepare(0, 1n, 0, bad.bytes))).toBe("reject");
    expect(t.net.sent).toHaveLength(0);
  });
});

describe("IstanbulCore restart", () => {
  it("refuses to sign a conflicting digest after a restart and honours the stored lock", async () => {
    const first = node(1, 4);
    await first.core.start();
    const b = preparedAtRound0(first);
    await send(first, script.preprepare(0, 1n, 0, b.bytes));
    await send(first, b.prepares[0]);
    await send(first, b.prepares[1]);
    expect(first.net.of(MessageCode.Commit)).toHaveLength(1);
    first.close();

    const t = node(1, 4, { dir: first.dir });
    await t.core.start();
    expect(t.core.view).toEqual({ height: 1n, round: 0 });
    const other = makeBlock(t.chain.head(), council4, 0, 0, { offsetMs: 1300 });
    await send(t, script.preprepare(0, 1n, 0, other.bytes));
    for (const i of [0, 2, 3]) await send(t, script.prepare(i, 1n, 0, other.digest));
    expect(t.net.of(MessageCode.Prepare)).toHaveLength(0);
    expect(t.net.of(MessageCode.Commit)).toHaveLength(0);

    t.clock.advance(TIMEOUT_R0);
    await t.core.settled();
    const [rc] = t.net.of(MessageCode.RoundChange);
    expect(bytesToHex(rc.prepared?.digest ?? new Uint8Array())).toBe(bytesToHex(b.digest));
    await send(t, script.roundChange(2, 1n, 1).full);
    await send(t, script.roundChange(3, 1n, 1).full);
    const [pp] = t.net.of(MessageCode.Preprepare);
    expect(bytesToHex(pp.digest)).toBe(bytesToHex(b.digest));
  });

  it("a lone validator that crashed mid-round moves to the next round instead of re-signing", async () => {
    const first = node(0, 1);
    await first.core.start();
    // Sign a proposal for height 1 round 0 and "crash" before the block is written.
    first.signer.signDigest(1n, 0, "proposal", new Uint8Array(32).fill(1));
    first.close();
    const t = node(0, 1, { dir: first.dir });
    await t.core.start();
    t.clock.advance(1000);
    await t.core.settled();
    expect(t.chain.committed).toHaveLength(1);
    expect(headerRound(t.chain.committed[0])).toBe(1);
  });
});

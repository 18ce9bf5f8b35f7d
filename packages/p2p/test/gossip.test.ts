import { bytesToUtf8, utf8ToBytes } from "@knode/common";
import { afterEach, describe, expect, it, vi } from "vitest";
import { P2PErrorCode, type Verdict } from "../src/index.js";
import { Nodes, nextPeerEvent, type TestNode } from "./helpers.js";

const nodes = new Nodes();
afterEach(() => nodes.closeAll());

async function link(from: TestNode, to: TestNode) {
  const seen = nextPeerEvent(to.net, "connected", (p) => p.id === from.net.peerId);
  from.net.addPeer(to.addr);
  await seen;
}

describe("gossip", () => {
  it("delivers across 3 nodes, forwards only accepted messages, penalises the sender of a rejected one", async () => {
    // No discovery: the line A - B - C must not close into a triangle.
    const opts = { noDiscover: true };
    const a = await nodes.start("pn", { opts });
    const b = await nodes.start("pn", { opts });
    const c = await nodes.start("pn", { opts });
    const atB: string[] = [];
    const atC: string[] = [];
    const cGot = (n: number) => vi.waitFor(() => expect(atC).toHaveLength(n), { timeout: 5_000 });
    b.net.subscribe("block", async (data, from) => {
      const s = bytesToUtf8(data);
      atB.push(s);
      expect(from.id).toBe(a.net.peerId);
      return (s.startsWith("bad") ? "reject" : "accept") satisfies Verdict;
    });
    c.net.subscribe("block", async (data, from) => {
      atC.push(`${bytesToUtf8(data)}@${from.id === b.net.peerId ? "b" : "?"}`);
      return "accept";
    });
    a.net.subscribe("block", async () => "accept");
    await link(a, b);
    await link(c, b);
    await vi.waitFor(
      () => {
        expect(b.net.meshPeers("block").sort()).toEqual([a.net.peerId, c.net.peerId].sort());
        expect(a.net.meshPeers("block")).toContain(b.net.peerId);
      },
      { timeout: 5_000 },
    );
    expect(await a.net.publish("block", utf8ToBytes("one"))).toBeGreaterThan(0);
    await cGot(1);
    await a.net.publish("block", utf8ToBytes("bad-two"));
    await a.net.publish("block", utf8ToBytes("three"));
    await cGot(2);
    // C got "three" but never "bad-two": the rejected message was not forwarded (same stream, in order).
    expect(atC).toEqual(["one@b", "three@b"]);
    expect(atB).toEqual(["one", "bad-two", "three"]);
    expect(b.net.stats().gossipRejected).toBe(1);
    expect(b.net.peerScore(a.net.peerId)).toBeLessThan(0);
    expect(b.net.peerScore(c.net.peerId)).toBe(0);
  });

  it("rejects an oversized message and consensus gossip from a non-CN", async () => {
    const big = await nodes.start("pn", { opts: { gossipKinds: ["block", "tx", "consensus"] } });
    const small = await nodes.start("pn", {
      opts: {
        gossipKinds: ["block", "tx", "consensus"],
        maxGossipBytes: { consensus: 1024, block: 1024, tx: 64 },
        // Mild penalties so that two offences do not ban the peer before the valid message arrives.
        score: {
          penalties: { fatal: -100, low: -3, mid: -2, high: -1 },
          disconnectScore: -20,
          banMs: 60_000,
          halfLifeMs: 600_000,
        },
      },
    });
    const got: string[] = [];
    small.net.subscribe("tx", async (d) => {
      got.push(`tx:${d.length}`);
      return "accept";
    });
    small.net.subscribe("consensus", async () => {
      got.push("consensus");
      return "accept";
    });
    big.net.subscribe("tx", async () => "accept");
    big.net.subscribe("consensus", async () => "accept");
    await link(big, small);
    await vi.waitFor(() => expect(big.net.meshPeers("tx")).toContain(small.net.peerId), { timeout: 5_000 });
    await vi.waitFor(() => expect(big.net.meshPeers("consensus")).toContain(small.net.peerId), { timeout: 5_000 });
    await expect(small.net.publish("tx", new Uint8Array(65))).rejects.toMatchObject({
      code: P2PErrorCode.MESSAGE_TOO_LARGE,
    });
    await big.net.publish("tx", new Uint8Array(100));
    await big.net.publish("consensus", utf8ToBytes("vote"));
    await big.net.publish("tx", new Uint8Array(10));
    await vi.waitFor(() => expect(got).toEqual(["tx:10"]), { timeout: 5_000 });
    expect(small.net.stats().gossipRejected).toBe(2);
    expect(small.net.peerScore(big.net.peerId)).toBeLessThan(0);
  });

  it("refuses to subscribe to a topic the role does not carry", async () => {
    const en = await nodes.start("en");
    expect(() => en.net.subscribe("consensus", async () => "accept")).toThrow(
      expect.objectContaining({ code: P2PErrorCode.TOPIC_NOT_ALLOWED }),
    );
  });
});

import { bytesToUtf8, utf8ToBytes } from "@knode/common";
import { privateKeyToAddress, randomPrivateKey } from "@knode/crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Nodes, nextPeerEvent, testChain } from "./helpers.js";

const nodes = new Nodes();
afterEach(() => nodes.closeAll());

describe("direct consensus messages", () => {
  it("reach the listed committee members in order; a rejected one penalises the sender", async () => {
    const keys = [randomPrivateKey(), randomPrivateKey(), randomPrivateKey()];
    const council = keys.map((k) => privateKeyToAddress(k));
    const [a, b, c] = await Promise.all(
      keys.map((key) => nodes.start("cn", { key, chain: testChain("cn", { council }) })),
    );
    const got = new Map<string, string[]>([
      ["b", []],
      ["c", []],
    ]);
    for (const [name, n] of [
      ["b", b],
      ["c", c],
    ] as const) {
      n.net.onDirect("consensus", async (data, from) => {
        expect(from.id).toBe(a.net.peerId);
        expect(from.role).toBe("cn");
        const s = bytesToUtf8(data);
        got.get(name)?.push(s);
        return s === "forged" ? "reject" : "accept";
      });
    }
    const ready = Promise.all([
      nextPeerEvent(b.net, "connected", (p) => p.id === a.net.peerId),
      nextPeerEvent(c.net, "connected", (p) => p.id === a.net.peerId),
    ]);
    a.net.addPeer(b.addr);
    a.net.addPeer(c.addr);
    await ready;
    await vi.waitFor(() => expect(a.net.peers()).toHaveLength(2));
    const targets = [b.net.peerId, c.net.peerId, "16Uiu2HAmUnknownPeerIsSkipped"];
    for (let i = 0; i < 20; i++) expect(a.net.sendDirect(targets, "consensus", utf8ToBytes(`m${i}`))).toBe(2);
    a.net.sendDirect([b.net.peerId], "consensus", utf8ToBytes("forged"));
    const expected = Array.from({ length: 20 }, (_, i) => `m${i}`);
    await vi.waitFor(() => {
      expect(got.get("b")).toEqual([...expected, "forged"]);
      expect(got.get("c")).toEqual(expected);
    });
    await vi.waitFor(() => expect(b.net.peerScore(a.net.peerId)).toBeLessThan(0));
    expect(c.net.peerScore(a.net.peerId)).toBe(0);
    expect(a.net.stats().directSent).toBe(41);
    expect(b.net.stats().directReceived).toBe(21);
  });

  it("a PN never sends nor accepts direct consensus messages", async () => {
    const key = randomPrivateKey();
    const council = [privateKeyToAddress(key)];
    const cn = await nodes.start("cn", { key, chain: testChain("cn", { council }) });
    const pn = await nodes.start("pn");
    const seen = nextPeerEvent(cn.net, "connected");
    pn.net.addPeer(cn.addr);
    await seen;
    expect(pn.net.sendDirect([cn.net.peerId], "consensus", utf8ToBytes("x"))).toBe(0);
    expect(cn.net.sendDirect([pn.net.peerId], "consensus", utf8ToBytes("x"))).toBe(0);
  });
});

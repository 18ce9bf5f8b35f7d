import { privateKeyToAddress, randomPrivateKey } from "@knode/crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkTopology } from "../src/index.js";
import { connectedTo, hasPeer, Nodes, nextPeerEvent, testChain } from "./helpers.js";

const nodes = new Nodes();
afterEach(() => nodes.closeAll());

describe("checkTopology (both ends run it)", () => {
  const member = privateKeyToAddress(randomPrivateKey());
  const stranger = privateKeyToAddress(randomPrivateKey());
  it.each([
    ["cn", "cn", member, true],
    ["cn", "cn", stranger, false],
    ["cn", "pn", stranger, true],
    ["cn", "en", stranger, false],
    ["pn", "cn", stranger, true],
    ["pn", "pn", stranger, true],
    ["pn", "en", stranger, true],
    ["en", "cn", member, false],
    ["en", "pn", stranger, true],
    ["en", "en", stranger, true],
  ] as const)("%s local, %s remote → %s", (local, remote, address, ok) => {
    expect(checkTopology(local, remote, address, [member]).ok).toBe(ok);
  });
});

describe("topology over the network", () => {
  async function council(n: number) {
    const keys = Array.from({ length: n }, () => randomPrivateKey());
    return { keys, addresses: keys.map((k) => privateKeyToAddress(k)) };
  }

  it("council CNs connect to each other", async () => {
    const { keys, addresses } = await council(2);
    const a = await nodes.start("cn", { key: keys[0], chain: testChain("cn", { council: addresses }) });
    const b = await nodes.start("cn", { key: keys[1], chain: testChain("cn", { council: addresses }) });
    const seen = nextPeerEvent(a.net, "connected");
    b.net.addPeer(a.addr);
    expect((await seen).role).toBe("cn");
  });

  it("a CN refuses an EN, and a stranger claiming CN; the node stays usable", async () => {
    const { keys, addresses } = await council(1);
    const cn = await nodes.start("cn", { key: keys[0], chain: testChain("cn", { council: addresses }) });
    const en = await nodes.start("en");
    const stranger = await nodes.start("cn", { chain: testChain("cn", { council: addresses }) });
    en.net.addPeer(cn.addr);
    stranger.net.addPeer(cn.addr);
    await vi.waitFor(
      () => expect(cn.net.stats().handshakesFailed + en.net.stats().handshakesFailed).toBeGreaterThan(0),
      {
        timeout: 5_000,
      },
    );
    await vi.waitFor(
      () => expect(stranger.net.stats().handshakesFailed + cn.net.stats().handshakesFailed).toBeGreaterThan(1),
      { timeout: 5_000 },
    );
    await vi.waitFor(() => {
      expect(connectedTo(cn.net, en.net.peerId)).toBe(false);
      expect(connectedTo(cn.net, stranger.net.peerId)).toBe(false);
    });
    expect(cn.net.peers()).toHaveLength(0);
    expect(en.net.peers()).toHaveLength(0);
    // Refusing by topology is not misbehaviour: nobody is banned.
    expect(cn.net.isBanned(en.net.peerId)).toBe(false);
    const pn = await nodes.start("pn");
    const ok = nextPeerEvent(cn.net, "connected");
    pn.net.addPeer(cn.addr);
    expect((await ok).id).toBe(pn.net.peerId);
  });

  it("a PN accepts both a CN and an EN; the EN never ends up connected to the CN", async () => {
    const { keys, addresses } = await council(1);
    const cn = await nodes.start("cn", { key: keys[0], chain: testChain("cn", { council: addresses }) });
    const pn = await nodes.start("pn", { chain: testChain("pn", { council: addresses }) });
    const en = await nodes.start("en");
    const both = Promise.all([
      nextPeerEvent(pn.net, "connected", (p) => p.role === "cn"),
      nextPeerEvent(pn.net, "connected", (p) => p.role === "en"),
    ]);
    pn.net.addPeer(cn.addr);
    en.net.addPeer(pn.addr);
    en.net.addPeer(cn.addr);
    await both;
    await vi.waitFor(
      () => expect(en.net.stats().handshakesFailed + cn.net.stats().handshakesFailed).toBeGreaterThan(0),
      {
        timeout: 5_000,
      },
    );
    await vi.waitFor(() => expect(connectedTo(en.net, cn.net.peerId)).toBe(false));
    expect(hasPeer(en.net, cn.net.peerId)).toBe(false);
    expect(hasPeer(en.net, pn.net.peerId)).toBe(true);
  });
});

describe("per-role limits", () => {
  it("refuses peers of a role beyond its limit, without banning them", async () => {
    const pn = await nodes.start("pn", { opts: { noDiscover: true, maxPeersByRole: { cn: 1, pn: 1, en: 1 } } });
    const en1 = await nodes.start("en", { opts: { noDiscover: true } });
    const first = nextPeerEvent(pn.net, "connected");
    en1.net.addPeer(pn.addr);
    expect((await first).id).toBe(en1.net.peerId);
    const en2 = await nodes.start("en", { opts: { noDiscover: true } });
    en2.net.addPeer(pn.addr);
    await vi.waitFor(
      () => expect(pn.net.stats().handshakesFailed + en2.net.stats().handshakesFailed).toBeGreaterThan(0),
      {
        timeout: 5_000,
      },
    );
    await vi.waitFor(() => expect(connectedTo(pn.net, en2.net.peerId)).toBe(false));
    expect(pn.net.peers().map((p) => p.id)).toEqual([en1.net.peerId]);
    expect(pn.net.isBanned(en2.net.peerId)).toBe(false);
  });
});

import { privateKeyToAddress, randomPrivateKey } from "@knode/crypto";
import { peerIdFromString } from "@libp2p/peer-id";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hasPeer, Nodes, nextPeerEvent, testChain } from "./helpers.js";

const nodes = new Nodes();
afterEach(() => nodes.closeAll());

describe("peer exchange", () => {
  it("lets an EN find a second PN through a bootnode PN, and never learn the CN", async () => {
    const cnKey = randomPrivateKey();
    const council = [privateKeyToAddress(cnKey)];
    const cn = await nodes.start("cn", { key: cnKey, chain: testChain("cn", { council }) });
    const pn1 = await nodes.start("pn", { chain: testChain("pn", { council }) });
    const pn1Ready = Promise.all([
      nextPeerEvent(pn1.net, "connected", (p) => p.role === "cn"),
      nextPeerEvent(pn1.net, "connected", (p) => p.role === "pn"),
    ]);
    pn1.net.addPeer(cn.addr);
    const pn2 = await nodes.start("pn", { chain: testChain("pn", { council }), opts: { bootnodes: [pn1.addr] } });
    await pn1Ready;
    const en = await nodes.start("en", { opts: { bootnodes: [pn1.addr] } });
    await vi.waitFor(() => expect(hasPeer(en.net, pn2.net.peerId)).toBe(true), { timeout: 10_000 });
    expect(hasPeer(en.net, pn1.net.peerId)).toBe(true);
    expect(en.net.stats().discoveredPeers).toBeGreaterThan(0);
    expect(hasPeer(en.net, cn.net.peerId)).toBe(false);
    expect(await en.net.libp2p.peerStore.has(peerIdFromString(cn.net.peerId))).toBe(false);
    // The CN only ever sees the PN that dialled it.
    expect(cn.net.peers().map((p) => p.id)).toEqual([pn1.net.peerId]);
  });

  it("a CN does not serve peer exchange", async () => {
    const cnKey = randomPrivateKey();
    const cn = await nodes.start("cn", {
      key: cnKey,
      chain: testChain("cn", { council: [privateKeyToAddress(cnKey)] }),
    });
    const pn = await nodes.start("pn", { opts: { noDiscover: true } });
    const seen = nextPeerEvent(pn.net, "connected");
    pn.net.addPeer(cn.addr);
    await seen;
    await expect(pn.net.request(cn.net.peerId, "peers", new Uint8Array())).rejects.toBeInstanceOf(Error);
  });
});

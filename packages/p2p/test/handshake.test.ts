import { bytesToHex } from "@knode/common";
import { privateKeyToAddress, randomPrivateKey } from "@knode/crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { P2PErrorCode } from "../src/index.js";
import { connectedTo, hasPeer, Nodes, nextPeerEvent, testChain } from "./helpers.js";

const nodes = new Nodes();
afterEach(() => nodes.closeAll());

describe("status handshake", () => {
  it("admits a peer of the same chain on both sides with role, address and head", async () => {
    const a = await nodes.start("pn");
    a.chain.setHead(42n);
    const b = await nodes.start("en");
    const seenByA = nextPeerEvent(a.net, "connected");
    const seenByB = nextPeerEvent(b.net, "connected");
    b.net.addPeer(a.addr);
    const [pa, pb] = await Promise.all([seenByA, seenByB]);
    expect(pa.id).toBe(b.net.peerId);
    expect(pa.role).toBe("en");
    expect(pa.direction).toBe("inbound");
    expect(bytesToHex(pa.address)).toBe(bytesToHex(b.address));
    expect(pb.id).toBe(a.net.peerId);
    expect(pb.role).toBe("pn");
    expect(pb.direction).toBe("outbound");
    expect(pb.head.number).toBe(42n);
    expect(bytesToHex(pb.head.hash)).toBe(bytesToHex(a.chain.head().hash));
    expect(a.net.stats().handshakesOk).toBeGreaterThan(0);
  });

  it("re-announces the head when it changes", async () => {
    const a = await nodes.start("pn");
    const b = await nodes.start("pn");
    const connected = nextPeerEvent(b.net, "connected");
    b.net.addPeer(a.addr);
    await connected;
    const update = nextPeerEvent(b.net, "status", (p) => p.head.number === 7n);
    a.chain.setHead(7n);
    const p = await update;
    expect(p.id).toBe(a.net.peerId);
    expect(b.net.peers().find((x) => x.id === a.net.peerId)?.head.number).toBe(7n);
  });

  it.each([
    ["chain id", { chainId: 2n }],
    ["genesis hash", { genesisHash: new Uint8Array(32).fill(9) }],
  ])("drops and bans a peer with another %s", async (_name, other) => {
    const a = await nodes.start("pn");
    const b = await nodes.start("pn", { chain: testChain("pn", other) });
    b.net.addPeer(a.addr);
    await vi.waitFor(() => expect(a.net.isBanned(b.net.peerId) || b.net.isBanned(a.net.peerId)).toBe(true), {
      timeout: 5_000,
    });
    await vi.waitFor(() => expect(connectedTo(a.net, b.net.peerId)).toBe(false));
    expect(hasPeer(a.net, b.net.peerId)).toBe(false);
    expect(hasPeer(b.net, a.net.peerId)).toBe(false);
    expect(a.net.stats().handshakesFailed + b.net.stats().handshakesFailed).toBeGreaterThan(0);
  });

  it("a CN refused for not being in the council connects once it is voted in, and bans nobody", async () => {
    const aKey = randomPrivateKey();
    const bKey = randomPrivateKey();
    const aAddr = privateKeyToAddress(aKey);
    const a = await nodes.start("cn", { key: aKey, chain: testChain("cn", { council: [aAddr] }) });
    const b = await nodes.start("cn", {
      key: bKey,
      chain: testChain("cn", { council: [aAddr] }),
      opts: { staticPeers: [a.addr], redialMaxMs: 300 },
    });
    await vi.waitFor(() => expect(b.net.stats().handshakesFailed).toBeGreaterThan(0), { timeout: 5_000 });
    expect(hasPeer(a.net, b.net.peerId)).toBe(false);
    const joined = nextPeerEvent(a.net, "connected", (p) => p.id === b.net.peerId);
    a.chain.councilList.push(b.address);
    b.chain.councilList.push(b.address);
    expect((await joined).role).toBe("cn");
    expect(a.net.isBanned(b.net.peerId)).toBe(false);
    expect(b.net.isBanned(a.net.peerId)).toBe(false);
  });

  it("refuses requests before start and reserved methods", async () => {
    const a = await nodes.start("pn");
    await expect(a.net.handle("status", async function* () {})).rejects.toMatchObject({
      code: P2PErrorCode.METHOD_RESERVED,
    });
    await expect(a.net.request("16Uiu2HAmNotAPeer", "x", new Uint8Array())).rejects.toMatchObject({
      code: P2PErrorCode.PEER_NOT_CONNECTED,
    });
  });
});

import { randomBytes } from "node:crypto";
import { privateKeyToAddress, randomPrivateKey } from "@knode/crypto";
import { multiaddr } from "@multiformats/multiaddr";
import { afterEach, describe, expect, it, vi } from "vitest";
import { encodeFrame } from "../src/framing.js";
import { createKnodeLibp2p, type KnodeLibp2p, requestProtocol } from "../src/index.js";
import { connectedTo, Nodes, nextPeerEvent, type TestNode, testChain } from "./helpers.js";

const nodes = new Nodes();
const raws: KnodeLibp2p[] = [];
afterEach(async () => {
  await Promise.all(raws.splice(0).map((r) => r.stop()));
  await nodes.closeAll();
});

/** A bare libp2p node that speaks our transports but none of our manners. */
async function rawAttacker(): Promise<KnodeLibp2p> {
  const raw = await createKnodeLibp2p({
    nodeKey: randomPrivateKey(),
    host: "127.0.0.1",
    port: 0,
    maxConnections: 10,
    dialTimeoutMs: 2_000,
    maxGossipBytes: 1024,
    gossipHeartbeatMs: 1_000,
    allowedTopics: [],
  });
  // Never answer the victim's status request, so the victim's own handshake timer is not what drops us.
  await raw.handle(requestProtocol("status"), () => new Promise<void>(() => {}));
  await raw.start();
  raws.push(raw);
  return raw;
}

async function sendRaw(raw: KnodeLibp2p, target: TestNode, protocol: string, bytes: Uint8Array) {
  const stream = await raw.dialProtocol(multiaddr(target.addr), protocol);
  stream.send(bytes);
  await stream.close().catch(() => {});
}

async function expectDroppedAndStillWorking(target: TestNode, raw: KnodeLibp2p) {
  const id = raw.peerId.toString();
  await vi.waitFor(() => expect(target.net.isBanned(id)).toBe(true), { timeout: 5_000 });
  await vi.waitFor(() => expect(connectedTo(target.net, id)).toBe(false), { timeout: 5_000 });
  // A ban holds: the attacker's new connection is closed by the gater (its dial may or may not see it).
  await raw.dial(multiaddr(target.addr)).catch(() => undefined);
  await vi.waitFor(() => expect(connectedTo(target.net, id)).toBe(false), { timeout: 5_000 });
  expect(target.net.peers()).toHaveLength(0);
  const good = await nodes.start("pn", { chain: testChain("pn", { council: target.chain.councilList }) });
  const seen = nextPeerEvent(target.net, "connected", (p) => p.id === good.net.peerId);
  good.net.addPeer(target.addr);
  await seen;
}

describe("garbage from a peer", () => {
  it("random bytes on the status protocol: dropped, banned, node keeps working", async () => {
    const target = await nodes.start("pn");
    const raw = await rawAttacker();
    await sendRaw(raw, target, requestProtocol("status"), randomBytes(300));
    await expectDroppedAndStillWorking(target, raw);
  });

  it("an oversized request frame: dropped before the body is read", async () => {
    const target = await nodes.start("pn", { opts: { maxRequestBytes: 1024 } });
    await target.net.handle("blocks_by_range", async function* () {
      yield new Uint8Array(1);
    });
    const raw = await rawAttacker();
    await sendRaw(raw, target, requestProtocol("blocks_by_range"), encodeFrame(new Uint8Array(64 * 1024)));
    await expectDroppedAndStillWorking(target, raw);
  });

  it("a truncated request frame is garbage too", async () => {
    const target = await nodes.start("pn");
    const raw = await rawAttacker();
    await sendRaw(raw, target, requestProtocol("peers"), encodeFrame(new Uint8Array(100)).subarray(0, 50));
    await expectDroppedAndStillWorking(target, raw);
  });

  it("an absurd length prefix on the direct consensus protocol", async () => {
    const key = randomPrivateKey();
    const target = await nodes.start("cn", { key, chain: testChain("cn", { council: [privateKeyToAddress(key)] }) });
    const raw = await rawAttacker();
    await sendRaw(raw, target, "/klay/consensus/1", Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f));
    await expectDroppedAndStillWorking(target, raw);
  });

  it("a raw peer that never completes the handshake is disconnected but not banned", async () => {
    const target = await nodes.start("pn", { opts: { handshakeTimeoutMs: 300 } });
    const raw = await rawAttacker();
    await raw.dial(multiaddr(target.addr));
    await vi.waitFor(() => expect(connectedTo(target.net, raw.peerId.toString())).toBe(false), { timeout: 5_000 });
    expect(target.net.peers()).toHaveLength(0);
    expect(target.net.isBanned(raw.peerId.toString())).toBe(false);
  });
});

import { bytesToUtf8, deferred, utf8ToBytes } from "@knode/common";
import { afterEach, describe, expect, it } from "vitest";
import { P2PError, P2PErrorCode, type P2PInitOptions } from "../src/index.js";
import { Nodes, nextPeerEvent, type TestNode } from "./helpers.js";

const nodes = new Nodes();
const releases: Array<() => void> = [];
afterEach(async () => {
  for (const r of releases.splice(0)) r();
  await nodes.closeAll();
});

async function pair(serverOpts: Partial<P2PInitOptions> = {}, clientOpts: Partial<P2PInitOptions> = {}) {
  const server = await nodes.start("pn", { opts: { noDiscover: true, ...serverOpts } });
  const hang = deferred<void>();
  releases.push(() => hang.resolve());
  await server.net.handle("blocks_by_range", async function* (body, from) {
    expect(from.role).toBe("en");
    const [start, count] = bytesToUtf8(body).split(",").map(Number);
    if (!Number.isInteger(count)) throw new P2PError({ code: P2PErrorCode.INVALID_REQUEST, reason: "bad range" });
    for (let i = 0; i < count; i++) yield utf8ToBytes(`block-${start + i}`);
  });
  await server.net.handle("slow", async function* () {
    await hang.promise;
    yield new Uint8Array(1);
  });
  const client = await nodes.start("en", { opts: { noDiscover: true, ...clientOpts } });
  const seen = nextPeerEvent(client.net, "connected");
  client.net.addPeer(server.addr);
  await seen;
  return { server, client };
}

const req = (c: TestNode, s: TestNode, body: string, timeoutMs?: number) =>
  c.net.request(s.net.peerId, "blocks_by_range", utf8ToBytes(body), { timeoutMs });

describe("request/response", () => {
  it("returns the handler's chunks in order", async () => {
    const { server, client } = await pair();
    const chunks = await req(client, server, "10,5");
    expect(chunks.map(bytesToUtf8)).toEqual(["block-10", "block-11", "block-12", "block-13", "block-14"]);
    expect(await req(client, server, "0,0")).toEqual([]);
    expect(server.net.stats().requestsServed).toBeGreaterThanOrEqual(2);
  });

  it("caps the response count on the client and penalises an over-sending server", async () => {
    const { server, client } = await pair({}, { maxResponseChunks: 3 });
    await expect(req(client, server, "0,4")).rejects.toMatchObject({ code: P2PErrorCode.RESPONSE_TOO_MANY_CHUNKS });
    expect(client.net.peerScore(server.net.peerId)).toBeLessThan(0);
    expect((await req(client, server, "0,3")).length).toBe(3);
  });

  it("caps the response bytes on the client", async () => {
    const { server, client } = await pair({}, { maxResponseBytes: 20 });
    await expect(req(client, server, "0,3")).rejects.toMatchObject({ code: P2PErrorCode.RESPONSE_TOO_LARGE });
  });

  it("stops a server's own response at its caps", async () => {
    const { server, client } = await pair({ maxResponseChunks: 2 });
    expect((await req(client, server, "0,10")).map(bytesToUtf8)).toEqual(["block-0", "block-1"]);
  });

  it("rate-limits per peer and method with a token bucket", async () => {
    const { server, client } = await pair({
      rateLimits: { blocks_by_range: { capacity: 2, refillPerSecond: 0.001 } },
    });
    await req(client, server, "0,1");
    await req(client, server, "0,1");
    await expect(req(client, server, "0,1")).rejects.toMatchObject({ code: P2PErrorCode.RATE_LIMITED });
    expect(server.net.stats().requestsRateLimited).toBe(1);
    // Another method has its own bucket.
    await expect(
      client.net.request(server.net.peerId, "slow", new Uint8Array(), { timeoutMs: 200 }),
    ).rejects.toMatchObject({
      code: P2PErrorCode.REQUEST_TIMEOUT,
    });
  });

  it("times out a request whose handler never answers", async () => {
    const { server, client } = await pair();
    const t0 = Date.now();
    await expect(
      client.net.request(server.net.peerId, "slow", new Uint8Array(), { timeoutMs: 300 }),
    ).rejects.toMatchObject({
      code: P2PErrorCode.REQUEST_TIMEOUT,
    });
    expect(Date.now() - t0).toBeLessThan(3_000);
    // The connection survives a timeout.
    expect((await req(client, server, "1,1")).map(bytesToUtf8)).toEqual(["block-1"]);
  });

  it("reports an invalid request as a remote error and penalises the requester", async () => {
    const { server, client } = await pair();
    await expect(req(client, server, "nonsense")).rejects.toMatchObject({ code: P2PErrorCode.REMOTE_ERROR });
    expect(server.net.peerScore(client.net.peerId)).toBeLessThan(0);
  });

  it("fails cleanly for an unknown method", async () => {
    const { server, client } = await pair();
    await expect(client.net.request(server.net.peerId, "nope", new Uint8Array())).rejects.toBeInstanceOf(Error);
    expect((await req(client, server, "2,1")).map(bytesToUtf8)).toEqual(["block-2"]);
  });
});

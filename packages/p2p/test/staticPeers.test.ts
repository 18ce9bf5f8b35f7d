import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { P2PErrorCode, readStaticNodes } from "../src/index.js";
import { Nodes, nextPeerEvent, waitPeer } from "./helpers.js";

const nodes = new Nodes();
afterEach(() => nodes.closeAll());

describe("static peers", () => {
  it("are redialled after the remote restarts", async () => {
    const b = await nodes.start("pn", { opts: { noDiscover: true } });
    const port = Number(b.addr.split("/tcp/")[1].split("/")[0]);
    const a0 = nextPeerEvent(b.net, "connected");
    const a = await nodes.start("pn", { opts: { noDiscover: true, staticPeers: [b.addr] } });
    expect((await a0).id).toBe(a.net.peerId);
    await waitPeer(a.net, b.net.peerId);
    const gone = nextPeerEvent(a.net, "disconnected", (p) => p.id === b.net.peerId);
    await b.net.close();
    await gone;
    const back = nextPeerEvent(a.net, "connected", (p) => p.id === b.net.peerId);
    const b2 = await nodes.start("pn", { key: b.key, opts: { noDiscover: true, port } });
    expect(b2.net.peerId).toBe(b.net.peerId);
    expect((await back).role).toBe("pn");
    expect(a.net.stats().dials).toBeGreaterThan(1);
  });

  it("--nodiscover still dials static peers", async () => {
    const b = await nodes.start("en", { opts: { noDiscover: true } });
    const seen = nextPeerEvent(b.net, "connected");
    const a = await nodes.start("en", { opts: { noDiscover: true, bootnodes: [b.addr] } });
    expect((await seen).id).toBe(a.net.peerId);
  });
});

describe("readStaticNodes", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "knode-p2p-"));
  const addr = "/ip4/127.0.0.1/tcp/32323/p2p/16Uiu2HAmBzAAjUgvbxb2ZbjhF5QRhv6fXW79X5pFfLfBsWmTT9R7";

  it("reads a JSON array of multiaddrs and treats a missing file as empty", () => {
    const f = path.join(dir, "static-nodes.json");
    writeFileSync(f, JSON.stringify([addr]));
    expect(readStaticNodes(f)).toEqual([addr]);
    expect(readStaticNodes(path.join(dir, "absent.json"))).toEqual([]);
  });

  it.each([["{}"], ["not json"], [JSON.stringify(["/ip4/127.0.0.1/tcp/1"])], [JSON.stringify([42])]])(
    "refuses %s",
    (text) => {
      const f = path.join(dir, "bad.json");
      writeFileSync(f, text);
      expect(() => readStaticNodes(f)).toThrow(expect.objectContaining({ code: P2PErrorCode.STATIC_NODES_INVALID }));
    },
  );
});

import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { bytesToHex, toQuantity } from "@knode/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { TOPIC_A } from "./chain.js";
import { CONTRACT, makeTx, receiptFor, word } from "./fakeBackend.js";
import { type Harness, startServer } from "./harness.js";

type Msg = {
  id?: number;
  result?: unknown;
  error?: { code: number; message: string };
  method?: string;
  params?: { subscription: string; result: Record<string, unknown> };
};

/** A ws client that queues incoming messages so tests can await the next one matching a predicate. */
class Client {
  private readonly inbox: Msg[] = [];
  private waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const msg = JSON.parse(data.toString()) as Msg;
      const w = this.waiters.find((x) => x.pred(msg));
      if (w) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(msg);
      } else this.inbox.push(msg);
    });
  }

  static async connect(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new Client(ws);
  }

  next(pred: (m: Msg) => boolean): Promise<Msg> {
    const i = this.inbox.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  async call(method: string, params: unknown[] = []): Promise<Msg> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    return this.next((m) => m.id === id);
  }

  pending(): Msg[] {
    return this.inbox;
  }
}

let h: Harness;
let client: Client;

beforeAll(async () => {
  h = await startServer({ wsPort: 0 });
  if (!h.wsUrl) throw new Error("no ws endpoint");
  client = await Client.connect(h.wsUrl);
});

afterAll(async () => {
  client.ws.close();
  await h.server.close();
});

describe("WebSocket", () => {
  it("serves the same method table", async () => {
    expect((await client.call("eth_chainId")).result).toBe("0x3e8");
    expect((await client.call("eth_nope")).error?.code).toBe(-32601);
  });

  it("delivers newHeads to eth_ and klay_ subscribers in their formats", async () => {
    const ethSub = (await client.call("eth_subscribe", ["newHeads"])).result as string;
    const klaySub = (await client.call("klay_subscribe", ["newHeads"])).result as string;
    expect(ethSub).toMatch(/^0x[0-9a-f]{32}$/);
    expect(klaySub).not.toBe(ethSub);
    const bw = h.backend.addBlock([], []);
    const eth = await client.next((m) => m.params?.subscription === ethSub);
    expect(eth.method).toBe("eth_subscription");
    expect(eth.params?.result).toMatchObject({ number: "0x1", hash: bytesToHex(bw.hash), miner: expect.any(String) });
    const klay = await client.next((m) => m.params?.subscription === klaySub);
    expect(klay.method).toBe("klay_subscription");
    expect(klay.params?.result).toMatchObject({ number: "0x1", hash: bytesToHex(bw.hash), blockscore: "0x1" });
    expect((await client.call("eth_unsubscribe", [ethSub])).result).toBe(true);
    expect((await client.call("klay_unsubscribe", [klaySub])).result).toBe(true);
    expect((await client.call("eth_unsubscribe", [ethSub])).error).toEqual({
      code: -32000,
      message: "subscription not found",
    });
  });

  it("delivers matching logs, one notification per log", async () => {
    const sub = (
      await client.call("eth_subscribe", [
        "logs",
        { address: bytesToHex(CONTRACT), topics: [null, bytesToHex(word(2))] },
      ])
    ).result as string;
    const tx1 = makeTx();
    const tx2 = makeTx({ nonce: 1n });
    const logs = [
      { address: CONTRACT, topics: [TOPIC_A, word(1)], data: Uint8Array.of(1) },
      { address: CONTRACT, topics: [TOPIC_A, word(2)], data: Uint8Array.of(2) },
    ];
    const bw = h.backend.addBlock([tx1, tx2], [receiptFor(tx1, [], 21000n), receiptFor(tx2, logs, 42000n)]);
    const msg = await client.next((m) => m.params?.subscription === sub);
    expect(msg.params?.result).toMatchObject({
      data: "0x02",
      logIndex: "0x1",
      transactionIndex: "0x1",
      transactionHash: bytesToHex(tx2.hash),
      blockNumber: toQuantity(bw.block.header.number),
    });
    // The next head proves no second log notification was queued for this block.
    const heads = (await client.call("eth_subscribe", ["newHeads"])).result as string;
    h.backend.addBlock([], []);
    await client.next((m) => m.params?.subscription === heads);
    expect(client.pending().filter((m) => m.params?.subscription === sub)).toEqual([]);
    expect((await client.call("eth_subscribe", ["logs", { topics: ["0x12"] }])).error?.code).toBe(-32602);
    expect((await client.call("eth_subscribe", ["pendingBlocks"])).error?.code).toBe(-32602);
  });

  it("refuses subscriptions over HTTP", async () => {
    expect((await h.rpc("eth_subscribe", ["newHeads"])).error).toEqual({
      code: -32601,
      message: "notifications not supported",
    });
  });

  it("shares one port between HTTP and WebSocket when both ask for it", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const s = await startServer({ httpPort: port, wsPort: port });
    try {
      expect(s.wsUrl).toBe(`ws://127.0.0.1:${port}`);
      const c2 = await Client.connect(s.wsUrl ?? "");
      expect((await c2.call("net_version")).result).toBe("1001");
      c2.ws.close();
      expect((await s.rpc("net_version")).result).toBe("1001");
    } finally {
      await s.server.close();
    }
  });

  it("stops listening to the backend after close", async () => {
    const s = await startServer({ wsPort: 0, httpPort: 0 });
    expect(s.backend.listeners.size).toBe(1);
    await s.server.close();
    expect(s.backend.listeners.size).toBe(0);
  });
});

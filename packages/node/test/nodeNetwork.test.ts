import type { Chain } from "@knode/chain";
import { nullLogger } from "@knode/common";
import type { P2PNetwork, Verdict } from "@knode/p2p";
import type { TxPool } from "@knode/txpool";
import { type Block, encodeBlock, rlpDecode, rlpEncode, rlpSplitList, type Transaction } from "@knode/types";
import { afterEach, describe, expect, it } from "vitest";
import type { BlockSync } from "../src/blockSync.js";
import { NodeMetrics } from "../src/metrics.js";
import { NodeNetwork } from "../src/nodeNetwork.js";
import { header } from "./blockHelpers.js";
import { wireTx } from "./txHelpers.js";

type Handler = (data: Uint8Array) => Promise<Verdict> | Verdict;

/** Just enough of P2PNetwork to capture the gossip handlers NodeNetwork installs. */
class FakeP2P {
  readonly handlers = new Map<string, Handler>();
  subscribe(kind: string, handler: Handler): void {
    this.handlers.set(kind, handler);
  }
  onDirect(): void {}
  publish(): Promise<void> {
    return Promise.resolve();
  }
}

class FakePool {
  readonly batches: Transaction[][] = [];
  private readonly held = new Set<string>();
  async addBatch(txs: Transaction[]): Promise<(Uint8Array | Error)[]> {
    this.batches.push(txs);
    for (const t of txs) this.held.add(Buffer.from(t.hash).toString("hex"));
    return txs.map((t) => t.hash);
  }
  has(hash: Uint8Array): boolean {
    return this.held.has(Buffer.from(hash).toString("hex"));
  }
}

const networks: NodeNetwork[] = [];
afterEach(async () => {
  for (const n of networks.splice(0)) await n.close();
});

async function setup() {
  const p2p = new FakeP2P();
  const pool = new FakePool();
  const verifier = {
    busy: true,
    asked: 0,
    canAcceptWork(): boolean {
      this.asked++;
      return !this.busy;
    },
  };
  const metrics = new NodeMetrics();
  const network = new NodeNetwork(
    { role: "pn" },
    {
      logger: nullLogger(),
      p2p: p2p as unknown as P2PNetwork,
      chain: {} as Chain,
      pool: pool as unknown as TxPool,
      sync: { start: async () => undefined, trigger: () => undefined } as unknown as BlockSync,
      sigVerifier: verifier,
      metrics,
    },
  );
  networks.push(network);
  await network.start();
  const onTxs = p2p.handlers.get("tx");
  if (!onTxs) throw new Error("no tx handler subscribed");
  const dropped = async () => (await metrics.txBatchesDropped.get()).values[0]?.value ?? 0;
  return { onTxs, pool, verifier, dropped };
}

describe("NodeNetwork tx gossip back-pressure", () => {
  it("drops batches unread while the verifier is saturated, counts them, and takes the resend later", async () => {
    const { onTxs, pool, verifier, dropped } = await setup();
    const txs = [wireTx(0n), wireTx(1n)];
    const batch = rlpEncode(txs.map((t) => t.raw));

    expect(await onTxs(batch)).toBe("ignore");
    expect(await onTxs(batch)).toBe("ignore");
    // Even garbage is not decoded while saturated: dropping must cost nothing.
    expect(await onTxs(Uint8Array.of(0xff, 0x00))).toBe("ignore");
    expect(pool.batches).toHaveLength(0);
    expect(await dropped()).toBe(3);
    expect(verifier.asked).toBe(3);

    // Nothing was marked seen, so the peers' resend of the same batch is admitted once work is accepted.
    verifier.busy = false;
    expect(await onTxs(batch)).toBe("accept");
    expect(pool.batches.map((b) => b.map((t) => t.nonce))).toEqual([[0n, 1n]]);
    expect(await dropped()).toBe(3);

    // Once seen, a repeat is not handed to the pool again (it is relayed as a resend of pending txs).
    expect(await onTxs(batch)).toBe("accept");
    expect(pool.batches).toHaveLength(1);
    expect(await onTxs(Uint8Array.of(0xff, 0x00))).toBe("reject");
  });
});

/** The block's header with a body that is not a list of transactions. */
function withGarbageBody(number: bigint): Uint8Array {
  const encodedHeader = rlpSplitList(encodeBlock({ header: header(number), transactions: [] }))[0];
  return rlpEncode([rlpDecode(encodedHeader), [Uint8Array.of(0x05, 0xc0)]]);
}

describe("NodeNetwork block gossip", () => {
  it("drops copies of blocks at or below the relayed height on their header, before decoding the body", async () => {
    const p2p = new FakeP2P();
    const checked: Block[] = [];
    const sync = {
      start: async () => undefined,
      trigger: () => undefined,
      relayedHeight: () => 10n,
      relayCheck: async (b: Block) => {
        checked.push(b);
        return "known" as const;
      },
    };
    const network = new NodeNetwork(
      { role: "pn" },
      {
        logger: nullLogger(),
        p2p: p2p as unknown as P2PNetwork,
        chain: {} as Chain,
        pool: new FakePool() as unknown as TxPool,
        sync: sync as unknown as BlockSync,
        metrics: new NodeMetrics(),
      },
    );
    networks.push(network);
    await network.start();
    const onBlock = p2p.handlers.get("block");
    if (!onBlock) throw new Error("no block handler subscribed");

    // At a known height even a body that would not decode is just a copy to drop, not the peer's fault.
    expect(await onBlock(withGarbageBody(10n))).toBe("ignore");
    expect(await onBlock(withGarbageBody(3n))).toBe("ignore");
    expect(checked).toHaveLength(0);
    // Above it the body is decoded: garbage is rejected, a good block goes on to the relay check.
    expect(await onBlock(withGarbageBody(11n))).toBe("reject");
    expect(await onBlock(Uint8Array.of(0xc1, 0x80))).toBe("reject");
    const txs = [wireTx(0n), wireTx(1n)];
    expect(await onBlock(encodeBlock({ header: header(11n), transactions: txs }))).toBe("ignore");
    expect(checked).toHaveLength(1);
    expect(checked[0].transactions.map((t) => t.hash)).toEqual(txs.map((t) => t.hash));
  });
});

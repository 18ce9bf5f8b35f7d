import { bytesToHex } from "@knode/common";
import type { Transaction } from "@knode/types";
import { describe, expect, it } from "vitest";
import { BASE_FEE, makePool, makeTx, nonces, sender } from "./helpers.js";

const A = sender(1);
const B = sender(2);
const C = sender(3);

describe("nonce ordering", () => {
  it("queues future nonces and promotes them when the gap fills", async () => {
    const { pool, chain } = makePool();
    chain.set(A.address, 0n);
    const announced: bigint[][] = [];
    pool.onPending((txs) => announced.push(nonces(txs)));
    await pool.add(makeTx(A, { nonce: 2n }));
    await pool.add(makeTx(A, { nonce: 1n }));
    await pool.add(makeTx(A, { nonce: 4n }));
    expect(pool.status()).toEqual({ pending: 0, queued: 3 });
    expect(pool.pendingNonce(A.address)).toBe(0n);
    expect(pool.pendingForBlock()).toEqual([]);
    expect(announced).toEqual([]);

    await pool.add(makeTx(A, { nonce: 0n }));
    expect(pool.status()).toEqual({ pending: 3, queued: 1 });
    expect(pool.pendingNonce(A.address)).toBe(3n);
    expect(announced).toEqual([[0n, 1n, 2n]]);
    const content = pool.content();
    expect(nonces(content.pending.get(A.hex) ?? [])).toEqual([0n, 1n, 2n]);
    expect(nonces(content.queued.get(A.hex) ?? [])).toEqual([4n]);
    expect(nonces(pool.pendingForBlock())).toEqual([0n, 1n, 2n]);
    expect(pool.stats().promoted).toBe(2);
  });

  it("starts from the account nonce", async () => {
    const { pool, chain } = makePool();
    chain.set(A.address, 7n);
    await pool.add(makeTx(A, { nonce: 7n }));
    await pool.add(makeTx(A, { nonce: 9n }));
    expect(pool.status()).toEqual({ pending: 1, queued: 1 });
    expect(pool.pendingNonce(A.address)).toBe(8n);
  });
});

describe("pendingForBlock", () => {
  it("orders across senders by effective tip, ties by arrival, nonce order within a sender", async () => {
    const { pool, chain } = makePool();
    for (const s of [A, B, C]) chain.set(s.address, 0n);
    const a0 = makeTx(A, { nonce: 0n, tip: 1n });
    const a1 = makeTx(A, { nonce: 1n, tip: 100n });
    const b0 = makeTx(B, { nonce: 0n, tip: 50n });
    const c0 = makeTx(C, { nonce: 0n, tip: 50n });
    const c1 = makeTx(C, { nonce: 1n, tip: 60n, feeCap: BASE_FEE + 30n }); // effective tip 30
    await pool.addBatch([a0, a1, b0]);
    await pool.addBatch([c0, c1]);
    expect(pool.pendingForBlock()).toEqual([b0, c0, c1, a0, a1]);
    expect(pool.pendingForBlock(2)).toEqual([b0, c0]);
    expect(pool.pendingForBlock(0)).toEqual([]);
  });

  it("skips a sender whose fee cap fell below a raised base fee", async () => {
    const { pool, chain } = makePool();
    chain.set(A.address, 0n);
    chain.set(B.address, 0n);
    const a0 = makeTx(A, { nonce: 0n, tip: 0n, feeCap: BASE_FEE });
    const b0 = makeTx(B, { nonce: 0n, tip: 1n, feeCap: BASE_FEE * 2n });
    await pool.addBatch([a0, b0]);
    expect(pool.pendingForBlock()).toEqual([b0, a0]);
    chain.base = BASE_FEE + 1n;
    expect(pool.pendingForBlock()).toEqual([b0]);
  });

  it("admits and orders a 10,000-tx batch from 500 senders", async () => {
    const { pool, chain } = makePool({ execSlotsAll: 20_000, nonExecSlotsAll: 20_000, nonExecSlotsAccount: 100 });
    const senders = Array.from({ length: 500 }, (_, i) => sender(100 + i));
    for (const s of senders) chain.set(s.address, 0n);
    // A deterministic pseudo-random tip per tx, and nonces sent in a shuffled order.
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const txs: Transaction[] = [];
    for (const s of senders)
      for (let n = 0; n < 20; n++) txs.push(makeTx(s, { nonce: BigInt(n), tip: BigInt(rand(1000)) }));
    for (let i = txs.length - 1; i > 0; i--) {
      const j = rand(i + 1);
      [txs[i], txs[j]] = [txs[j], txs[i]];
    }
    const announced: Transaction[] = [];
    pool.onPending((batch) => announced.push(...batch));
    const res = await pool.addBatch(txs);
    expect(res.filter((r) => r instanceof Error)).toEqual([]);
    expect(pool.status()).toEqual({ pending: 10_000, queued: 0 });
    expect(announced.length).toBe(10_000);

    const out = pool.pendingForBlock();
    expect(out.length).toBe(10_000);
    // Reference: at each step the chosen tx is the best head among the senders' remaining runs.
    const bySender = new Map<string, Transaction[]>();
    for (const t of txs) {
      const key = bytesToHex(t.sender as Uint8Array);
      const run = bySender.get(key) ?? [];
      run.push(t);
      bySender.set(key, run);
    }
    for (const run of bySender.values()) run.sort((x, y) => Number(x.nonce - y.nonce));
    const arrival = new Map<Transaction, number>(txs.map((t, i) => [t, i]));
    const heads = new Map<string, number>([...bySender.keys()].map((k) => [k, 0]));
    let violations = 0;
    for (const t of out) {
      const key = bytesToHex(t.sender as Uint8Array);
      const run = bySender.get(key) as Transaction[];
      const i = heads.get(key) as number;
      expect(t).toBe(run[i]);
      // No other sender's next tx may pay more, nor pay the same having arrived earlier.
      for (const [other, j] of heads) {
        const head = (bySender.get(other) as Transaction[])[j];
        if (!head || other === key) continue;
        const better =
          head.maxPriorityFeePerGas > t.maxPriorityFeePerGas ||
          (head.maxPriorityFeePerGas === t.maxPriorityFeePerGas &&
            (arrival.get(head) as number) < (arrival.get(t) as number));
        if (better) violations++;
      }
      heads.set(key, i + 1);
    }
    expect(violations).toBe(0);
    expect(pool.pendingForBlock(100)).toEqual(out.slice(0, 100));
  });
});

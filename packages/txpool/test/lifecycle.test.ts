import { afterEach, describe, expect, it, vi } from "vitest";
import { TxPoolError, TxPoolErrorCode } from "../src/index.js";
import { BASE_FEE, makePool, makeTx, nonces, RICH, sender } from "./helpers.js";

const A = sender(1);
const B = sender(2);
const C = sender(3);

function codeOf(r: Uint8Array | Error): string | undefined {
  return r instanceof TxPoolError ? r.code : undefined;
}

describe("onNewHead", () => {
  it("drops included txs, promotes queued ones that became executable and announces them", async () => {
    const { pool, chain } = makePool();
    chain.set(A.address, 0n);
    chain.set(B.address, 0n);
    await pool.addBatch([0n, 1n, 3n, 4n].map((n) => makeTx(A, { nonce: n })));
    await pool.add(makeTx(B, { nonce: 0n }));
    expect(pool.status()).toEqual({ pending: 3, queued: 2 });
    const announced: bigint[][] = [];
    pool.onPending((txs) => announced.push(nonces(txs)));

    // The block carried A's 0 and 1, plus a nonce-2 tx A sent elsewhere; B did nothing.
    chain.set(A.address, 3n);
    chain.reads = 0;
    await pool.onNewHead();
    expect(chain.reads).toBe(2);
    expect(pool.status()).toEqual({ pending: 3, queued: 0 });
    expect(nonces(pool.content().pending.get(A.hex) ?? [])).toEqual([3n, 4n]);
    expect(pool.pendingNonce(A.address)).toBe(5n);
    expect(announced).toEqual([[3n, 4n]]);
    expect(pool.stats().included).toBe(2);

    chain.set(A.address, 5n);
    chain.set(B.address, 1n);
    await pool.onNewHead();
    expect(pool.status()).toEqual({ pending: 0, queued: 0 });
    expect(pool.pendingNonce(A.address)).toBeUndefined();
    expect(pool.content().pending.size).toBe(0);
  });

  it("drops a tx the balance no longer covers and demotes its followers", async () => {
    const { pool, chain } = makePool();
    chain.set(A.address, 0n);
    const cheap = 21_000n * BASE_FEE + 1n;
    await pool.addBatch([
      makeTx(A, { nonce: 0n }),
      makeTx(A, { nonce: 1n, value: RICH / 2n }),
      makeTx(A, { nonce: 2n }),
      makeTx(A, { nonce: 3n }),
      makeTx(A, { nonce: 5n, value: RICH / 2n }),
    ]);
    expect(pool.status()).toEqual({ pending: 4, queued: 1 });
    chain.set(A.address, 0n, cheap * 10n);
    await pool.onNewHead();
    expect(pool.status()).toEqual({ pending: 1, queued: 2 });
    expect(pool.pendingNonce(A.address)).toBe(1n);
    expect(pool.stats()).toMatchObject({ unpayable: 2, demoted: 2 });
    expect(nonces(pool.content().queued.get(A.hex) ?? [])).toEqual([2n, 3n]);
    // Filling the gap again promotes the demoted ones.
    await pool.add(makeTx(A, { nonce: 1n, value: 2n }));
    expect(nonces(pool.pendingForBlock())).toEqual([0n, 1n, 2n, 3n]);
  });
});

describe("slot limits", () => {
  it("refuses a tx when the pool is full and it cannot displace anything", async () => {
    const { pool, chain } = makePool({ execSlotsAll: 2, nonExecSlotsAll: 1 });
    for (const s of [A, B]) chain.set(s.address, 0n);
    await pool.addBatch([
      makeTx(A, { nonce: 0n, tip: 5n }),
      makeTx(A, { nonce: 1n, tip: 5n }),
      makeTx(A, { nonce: 3n, tip: 5n }),
    ]);
    const equal = makeTx(B, { nonce: 0n, tip: 5n });
    const lower = makeTx(B, { nonce: 0n, tip: 4n });
    const [r1, r2] = await pool.addBatch([equal, lower]);
    expect(codeOf(r1)).toBe(TxPoolErrorCode.POOL_FULL);
    expect((r1 as Error).message).toBe("txpool is full");
    expect(codeOf(r2)).toBe(TxPoolErrorCode.UNDERPRICED);
    expect((r2 as Error).message).toBe("transaction underpriced");
  });

  it("lets a lower nonce displace the sender's farthest-future tx when full (Klaytn)", async () => {
    const { pool, chain } = makePool({ execSlotsAll: 2, nonExecSlotsAll: 2 });
    chain.set(A.address, 0n);
    const far = makeTx(A, { nonce: 9n });
    await pool.addBatch([makeTx(A, { nonce: 0n }), makeTx(A, { nonce: 1n }), makeTx(A, { nonce: 5n }), far]);
    expect(pool.status()).toEqual({ pending: 2, queued: 2 });
    const near = makeTx(A, { nonce: 3n });
    await pool.add(near);
    expect(pool.has(far.hash)).toBe(false);
    expect(nonces(pool.content().queued.get(A.hex) ?? [])).toEqual([3n, 5n]);
    await expect(pool.add(makeTx(A, { nonce: 10n }))).rejects.toThrow("txpool is full");
    expect(pool.stats().evicted).toBe(1);
  });

  it("evicts the cheapest tx of another sender for a better-paying one", async () => {
    const { pool, chain } = makePool({ execSlotsAll: 2, nonExecSlotsAll: 0 });
    for (const s of [A, B, C]) chain.set(s.address, 0n);
    const a0 = makeTx(A, { nonce: 0n, tip: 3n });
    const b0 = makeTx(B, { nonce: 0n, tip: 1n });
    await pool.addBatch([a0, b0]);
    const c0 = makeTx(C, { nonce: 0n, tip: 2n });
    await pool.add(c0);
    expect(pool.has(b0.hash)).toBe(false);
    expect(pool.pendingForBlock()).toEqual([a0, c0]);
  });

  it("caps a sender's future txs at nonExecSlotsAccount", async () => {
    const { pool, chain } = makePool({ nonExecSlotsAccount: 2 });
    chain.set(A.address, 0n);
    await pool.addBatch([makeTx(A, { nonce: 4n }), makeTx(A, { nonce: 6n })]);
    await expect(pool.add(makeTx(A, { nonce: 7n }))).rejects.toThrow("account limit exceeded");
    // A nearer nonce displaces the farthest one instead.
    await pool.add(makeTx(A, { nonce: 5n }));
    expect(nonces(pool.content().queued.get(A.hex) ?? [])).toEqual([4n, 5n]);
    // The executable next nonce is never limited by the queue cap.
    await pool.add(makeTx(A, { nonce: 0n }));
    expect(pool.status()).toEqual({ pending: 1, queued: 2 });
  });

  it("trims executable txs of the largest senders down towards execSlotsAccount", async () => {
    const { pool, chain } = makePool({ execSlotsAll: 8, execSlotsAccount: 2, nonExecSlotsAll: 100 });
    chain.set(A.address, 0n);
    chain.set(B.address, 0n);
    const aTxs = Array.from({ length: 10 }, (_, i) => makeTx(A, { nonce: BigInt(i) }));
    const bTxs = Array.from({ length: 3 }, (_, i) => makeTx(B, { nonce: BigInt(i) }));
    const res = await pool.addBatch([...aTxs, ...bTxs]);
    expect(res.map(codeOf)).toEqual([
      ...Array(5).fill(undefined),
      ...Array(5).fill(TxPoolErrorCode.POOL_FULL),
      ...Array(3).fill(undefined),
    ]);
    expect(pool.status()).toEqual({ pending: 8, queued: 0 });
    expect(pool.pendingNonce(A.address)).toBe(5n);
    expect(pool.pendingNonce(B.address)).toBe(3n);
  });

  it("trims future txs of the longest-idle senders first when over nonExecSlotsAll", async () => {
    let now = 1_000;
    const { pool, chain } = makePool({ nonExecSlotsAll: 3, now: () => now });
    chain.set(A.address, 0n);
    chain.set(B.address, 0n);
    await pool.addBatch([makeTx(A, { nonce: 5n }), makeTx(A, { nonce: 6n })]);
    now += 10;
    await pool.addBatch([makeTx(B, { nonce: 5n }), makeTx(B, { nonce: 6n })]);
    expect(pool.status()).toEqual({ pending: 0, queued: 3 });
    expect(nonces(pool.content().queued.get(A.hex) ?? [])).toEqual([5n]);
    expect(nonces(pool.content().queued.get(B.hex) ?? [])).toEqual([5n, 6n]);
  });
});

describe("lifetime", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("expires queued txs of idle senders after the lifetime, keeping pending ones", async () => {
    let now = 0;
    const { pool, chain } = makePool({ lifetimeSeconds: 60, now: () => now });
    chain.set(A.address, 0n);
    chain.set(B.address, 0n);
    await pool.addBatch([makeTx(A, { nonce: 0n }), makeTx(A, { nonce: 2n }), makeTx(B, { nonce: 2n })]);
    now = 30_000;
    await pool.add(makeTx(B, { nonce: 0n })); // B made progress, so its queue's clock restarts
    expect(pool.status()).toEqual({ pending: 2, queued: 2 });
    now = 60_000;
    expect(pool.evictExpired()).toBe(0);
    now = 60_001;
    expect(pool.evictExpired()).toBe(1);
    expect(pool.content().queued.has(A.hex)).toBe(false);
    expect(pool.content().queued.has(B.hex)).toBe(true);
    now = 90_001;
    expect(pool.evictExpired()).toBe(1);
    expect(pool.status()).toEqual({ pending: 2, queued: 0 });
    expect(pool.stats().expired).toBe(2);
  });

  it("runs the expiry sweep on the timer between start() and close()", async () => {
    vi.useFakeTimers();
    let now = 0;
    const { pool, chain } = makePool({ lifetimeSeconds: 1, evictionIntervalMs: 500, now: () => now });
    chain.set(A.address, 0n);
    await pool.add(makeTx(A, { nonce: 3n }));
    pool.start();
    now = 1_001;
    vi.advanceTimersByTime(500);
    expect(pool.status().queued).toBe(0);
    await pool.add(makeTx(A, { nonce: 3n, tip: 1n }));
    await pool.close();
    now = 5_000;
    vi.advanceTimersByTime(5_000);
    expect(pool.status().queued).toBe(1);
  });
});

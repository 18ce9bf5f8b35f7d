import { equalBytes } from "@knode/common";
import { describe, expect, it } from "vitest";
import { isReplacementAllowed, TxPoolError, TxPoolErrorCode } from "../src/index.js";
import {
  BASE_FEE,
  CountingVerifier,
  GAS_CAP,
  makePool,
  makeTx,
  nonces,
  sender,
  withUnrecoverableSignature,
} from "./helpers.js";

const A = sender(1);
const B = sender(2);

async function expectRefused(promise: Promise<unknown>, code: TxPoolErrorCode, message: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TxPoolError);
  expect((err as TxPoolError).code).toBe(code);
  expect((err as TxPoolError).message).toBe(message);
}

describe("TxPool admission", () => {
  it("admits an executable tx, recovers its sender and indexes it", async () => {
    const { pool, chain } = makePool();
    chain.set(A.address, 0n);
    const tx = makeTx(A, { nonce: 0n });
    expect(tx.sender).toBeUndefined();
    const hash = await pool.add(tx);
    expect(equalBytes(hash, tx.hash)).toBe(true);
    expect(tx.sender && equalBytes(tx.sender, A.address)).toBe(true);
    expect(pool.has(tx.hash)).toBe(true);
    expect(pool.get(tx.hash)).toBe(tx);
    expect(pool.status()).toEqual({ pending: 1, queued: 0 });
    expect(pool.pendingNonce(A.address)).toBe(1n);
    expect(pool.pendingNonce(B.address)).toBeUndefined();
  });

  it("hands out the sender recovered at admission by tx hash, and forgets it once the tx leaves", async () => {
    const { pool, chain } = makePool();
    chain.set(A.address, 0n);
    const tx = makeTx(A, { nonce: 0n });
    const other = makeTx(B, { nonce: 0n });
    expect(pool.getSender(tx.hash)).toBeUndefined();
    await pool.add(tx);
    const got = pool.getSender(tx.hash);
    expect(got && equalBytes(got, A.address)).toBe(true);
    // A decoded copy of the same bytes (as a block carries it) finds the same sender.
    expect(pool.getSender(makeTx(A, { nonce: 0n }).hash)).toBe(got);
    expect(pool.getSender(other.hash)).toBeUndefined();
    chain.set(A.address, 1n);
    await pool.onNewHead();
    expect(pool.getSender(tx.hash)).toBeUndefined();
  });

  it("refuses each invalid tx with geth's message", async () => {
    const { pool, chain } = makePool();
    chain.set(A.address, 5n);
    chain.set(B.address, 0n, 21_000n * BASE_FEE); // exactly enough for gas, nothing for value
    const known = makeTx(A, { nonce: 5n });
    await pool.add(known);
    const cases: [ReturnType<typeof makeTx>, TxPoolErrorCode, string][] = [
      [makeTx(A, { nonce: 5n }), TxPoolErrorCode.ALREADY_KNOWN, "already known"],
      [makeTx(A, { nonce: 4n }), TxPoolErrorCode.NONCE_TOO_LOW, "nonce too low"],
      [
        makeTx(B, { nonce: 0n, value: 1n }),
        TxPoolErrorCode.INSUFFICIENT_FUNDS,
        "insufficient funds for gas * price + value",
      ],
      [makeTx(A, { nonce: 6n, gas: 20_999n }), TxPoolErrorCode.INTRINSIC_GAS_TOO_LOW, "intrinsic gas too low"],
      [makeTx(A, { nonce: 6n, gas: GAS_CAP + 1n }), TxPoolErrorCode.GAS_LIMIT_EXCEEDED, "exceeds block gas limit"],
      [
        makeTx(A, { nonce: 6n, feeCap: BASE_FEE - 1n }),
        TxPoolErrorCode.FEE_CAP_BELOW_BASE_FEE,
        "max fee per gas less than block base fee",
      ],
      [
        makeTx(A, { nonce: 6n, feeCap: BASE_FEE, tip: BASE_FEE + 1n }),
        TxPoolErrorCode.TIP_ABOVE_FEE_CAP,
        "max priority fee per gas higher than max fee per gas",
      ],
      [await withUnrecoverableSignature(makeTx(A, { nonce: 6n })), TxPoolErrorCode.INVALID_SENDER, "invalid sender"],
      [makeTx(A, { nonce: 6n, chainId: 999n }), TxPoolErrorCode.INVALID_CHAIN_ID, "invalid chain id for signer"],
      [
        makeTx(A, { nonce: 6n, legacy: true, chainId: null }),
        TxPoolErrorCode.UNPROTECTED,
        "only replay-protected (EIP-155) transactions allowed over RPC",
      ],
      [
        makeTx(A, { nonce: 6n, gas: 1_000_000n, data: new Uint8Array(33 * 1024).fill(1) }),
        TxPoolErrorCode.OVERSIZED_DATA,
        "oversized data",
      ],
    ];
    for (const [tx, code, message] of cases) await expectRefused(pool.add(tx), code, message);
    expect(pool.status()).toEqual({ pending: 1, queued: 0 });
    expect(pool.stats().rejected).toBe(cases.length);
  });

  it("accepts B's tx exactly at its balance (gas * feeCap + value)", async () => {
    const { pool, chain } = makePool();
    chain.set(B.address, 0n, 21_000n * BASE_FEE + 1n);
    await pool.add(makeTx(B, { nonce: 0n, value: 1n }));
    expect(pool.status().pending).toBe(1);
  });

  it("accepts pre-EIP-155 legacy txs only when allowed", async () => {
    const { pool, chain } = makePool({ allowUnprotectedTxs: true });
    chain.set(A.address, 0n);
    const tx = makeTx(A, { nonce: 0n, legacy: true, chainId: null });
    expect(tx.chainId).toBeUndefined();
    await pool.add(tx);
    expect(pool.has(tx.hash)).toBe(true);
  });

  it("skips recovery when the sender is already set", async () => {
    const verifier = new CountingVerifier();
    const { pool, chain } = makePool({}, undefined, verifier);
    chain.set(A.address, 0n);
    const tx = makeTx(A, { nonce: 0n });
    tx.sender = A.address;
    await pool.add(tx);
    expect(verifier.batches).toEqual([]);
  });

  it("recovers a batch in one verifier call and fails only the bad signature", async () => {
    const verifier = new CountingVerifier();
    const { pool, chain } = makePool({}, undefined, verifier);
    chain.set(A.address, 0n);
    chain.set(B.address, 0n);
    const bad = await withUnrecoverableSignature(makeTx(B, { nonce: 0n }));
    const txs = [makeTx(A, { nonce: 0n }), bad, makeTx(A, { nonce: 1n }), makeTx(B, { nonce: 1n })];
    const res = await pool.addBatch(txs);
    expect(verifier.batches).toEqual([4]);
    expect(res[0]).toEqual(txs[0].hash);
    expect(res[1]).toBeInstanceOf(TxPoolError);
    expect((res[1] as TxPoolError).code).toBe(TxPoolErrorCode.INVALID_SENDER);
    expect(res[2]).toEqual(txs[2].hash);
    expect(res[3]).toEqual(txs[3].hash);
    // B's nonce 0 was refused, so B's nonce 1 waits in the queue.
    expect(pool.status()).toEqual({ pending: 2, queued: 1 });
  });

  it("reports a duplicate inside one batch as already known", async () => {
    const { pool, chain } = makePool();
    chain.set(A.address, 0n);
    const tx = makeTx(A, { nonce: 0n });
    const twin = makeTx(A, { nonce: 0n });
    const res = await pool.addBatch([tx, twin]);
    expect(res[0]).toEqual(tx.hash);
    expect((res[1] as TxPoolError).message).toBe("already known");
  });
});

describe("replacement", () => {
  it("needs the price bump on both fee cap and tip", () => {
    const old = makeTx(A, { nonce: 0n, tip: 100n, feeCap: 1000n });
    expect(isReplacementAllowed(old, makeTx(A, { nonce: 0n, tip: 110n, feeCap: 1100n }), 10)).toBe(true);
    expect(isReplacementAllowed(old, makeTx(A, { nonce: 0n, tip: 109n, feeCap: 2000n }), 10)).toBe(false);
    expect(isReplacementAllowed(old, makeTx(A, { nonce: 0n, tip: 200n, feeCap: 1099n }), 10)).toBe(false);
    // A zero tip must still strictly rise.
    const free = makeTx(A, { nonce: 0n, tip: 0n, feeCap: 1000n });
    expect(isReplacementAllowed(free, makeTx(A, { nonce: 0n, tip: 0n, feeCap: 5000n }), 10)).toBe(false);
    expect(isReplacementAllowed(free, makeTx(A, { nonce: 0n, tip: 1n, feeCap: 1100n }), 10)).toBe(true);
  });

  it("replaces a pending tx with enough bump and refuses one without", async () => {
    const { pool, chain } = makePool();
    chain.set(A.address, 0n);
    const seen: bigint[][] = [];
    pool.onPending((txs) => seen.push(txs.map((t) => t.maxPriorityFeePerGas)));
    const first = makeTx(A, { nonce: 0n, tip: 100n });
    await pool.add(first);
    await expectRefused(
      pool.add(makeTx(A, { nonce: 0n, tip: 105n, feeCap: BASE_FEE + 105n })),
      TxPoolErrorCode.REPLACEMENT_UNDERPRICED,
      "replacement transaction underpriced",
    );
    const second = makeTx(A, { nonce: 0n, tip: 110n, feeCap: ((BASE_FEE + 100n) * 11n) / 10n });
    await pool.add(second);
    expect(pool.has(first.hash)).toBe(false);
    expect(pool.get(second.hash)).toBe(second);
    expect(pool.status()).toEqual({ pending: 1, queued: 0 });
    expect(pool.pendingForBlock()).toEqual([second]);
    expect(pool.stats().replaced).toBe(1);
    expect(seen).toEqual([[100n], [110n]]);
  });

  it("replaces a queued tx in place", async () => {
    const { pool, chain } = makePool();
    chain.set(A.address, 0n);
    await pool.add(makeTx(A, { nonce: 3n, tip: 10n }));
    const better = makeTx(A, { nonce: 3n, tip: 20n, feeCap: BASE_FEE * 2n });
    await pool.add(better);
    expect(pool.status()).toEqual({ pending: 0, queued: 1 });
    expect(pool.content().queued.get(A.hex)).toEqual([better]);
    expect(nonces(pool.pendingForBlock())).toEqual([]);
  });
});

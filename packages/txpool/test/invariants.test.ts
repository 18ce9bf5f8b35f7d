import { bytesToHex } from "@knode/common";
import type { Transaction } from "@knode/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TxPool } from "../src/index.js";
import { type FakeChain, makePool, makeTx, sender } from "./helpers.js";

const SENDERS = [sender(1), sender(2), sender(3)];
const MAX_NONCE = 8;
const TIPS = [1n, 2n, 4n];
// Pre-signed once: [sender][nonce][tip variant], senders set so recovery is skipped.
const TXS: Transaction[][][] = SENDERS.map((s) =>
  Array.from({ length: MAX_NONCE }, (_, n) =>
    TIPS.map((tip) => {
      const tx = makeTx(s, { nonce: BigInt(n), tip, value: BigInt(n) * 10n ** 20n });
      tx.sender = s.address;
      return tx;
    }),
  ),
);
const LIMITS = {
  execSlotsAll: 6,
  execSlotsAccount: 1,
  nonExecSlotsAll: 4,
  nonExecSlotsAccount: 3,
  lifetimeSeconds: 10,
};

type Op =
  | { kind: "add"; picks: [number, number, number][] }
  | { kind: "head"; who: number; advance: number; balance: bigint }
  | { kind: "tick"; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(fc.nat(SENDERS.length - 1), fc.nat(MAX_NONCE - 1), fc.nat(TIPS.length - 1)), {
        minLength: 1,
        maxLength: 6,
      })
      .map((picks): Op => ({ kind: "add", picks })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(SENDERS.length - 1), fc.nat(2), fc.constantFrom(10n ** 24n, 5n * 10n ** 20n, 10n ** 15n))
      .map(([who, advance, balance]): Op => ({ kind: "head", who, advance, balance })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 8_000 }).map((ms): Op => ({ kind: "tick", ms })) },
);

function checkInvariants(pool: TxPool, chain: FakeChain): void {
  const { pending, queued } = pool.content();
  let p = 0;
  let q = 0;
  const known = TXS.flat(2).filter((t) => pool.has(t.hash)).length;
  for (const s of SENDERS) {
    const state = chain.state.get(s.hex) ?? { nonce: 0n, balance: 0n };
    const run = pending.get(s.hex) ?? [];
    const future = queued.get(s.hex) ?? [];
    p += run.length;
    q += future.length;
    for (let i = 0; i < run.length; i++) expect(run[i].nonce).toBe(state.nonce + BigInt(i));
    const next = state.nonce + BigInt(run.length);
    for (let i = 0; i < future.length; i++) {
      expect(future[i].nonce > next).toBe(true);
      if (i > 0) expect(future[i].nonce > future[i - 1].nonce).toBe(true);
    }
    for (const t of [...run, ...future]) expect(t.gasLimit * t.maxFeePerGas + t.value <= state.balance).toBe(true);
    expect(pool.pendingNonce(s.address)).toBe(run.length + future.length > 0 ? next : undefined);
    expect(future.length).toBeLessThanOrEqual(LIMITS.nonExecSlotsAccount);
  }
  expect(pool.status()).toEqual({ pending: p, queued: q });
  expect(known).toBe(p + q);
  expect(p).toBeLessThanOrEqual(LIMITS.execSlotsAll);
  expect(q).toBeLessThanOrEqual(LIMITS.nonExecSlotsAll);
  const block = pool.pendingForBlock();
  expect(block.length).toBe(p);
  const last = new Map<string, bigint>();
  for (const t of block) {
    const key = bytesToHex(t.sender as Uint8Array);
    const prev = last.get(key);
    if (prev !== undefined) expect(t.nonce).toBe(prev + 1n);
    last.set(key, t.nonce);
  }
}

describe("pool invariants under random operations", () => {
  it("keeps runs contiguous, counters exact and limits respected", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        let now = 0;
        const { pool, chain } = makePool({ ...LIMITS, now: () => now });
        for (const s of SENDERS) chain.set(s.address, 0n);
        for (const op of ops) {
          if (op.kind === "add") {
            const res = await pool.addBatch(op.picks.map(([s, n, t]) => TXS[s][n][t]));
            for (const r of res) if (r instanceof Error) expect(r.name).toBe("TxPoolError");
          } else if (op.kind === "head") {
            const s = SENDERS[op.who];
            const st = chain.state.get(s.hex) ?? { nonce: 0n, balance: 0n };
            chain.set(s.address, st.nonce + BigInt(op.advance), op.balance);
            await pool.onNewHead();
          } else {
            now += op.ms;
            pool.evictExpired();
          }
          checkInvariants(pool, chain);
        }
      }),
      { numRuns: 150 },
    );
  });
});

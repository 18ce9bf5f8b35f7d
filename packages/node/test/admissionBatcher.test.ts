import type { Transaction } from "@knode/types";
import { describe, expect, it } from "vitest";
import { AdmissionBatcher } from "../src/admissionBatcher.js";

function fakeTx(i: number): Transaction {
  return { hash: Uint8Array.of(i) } as unknown as Transaction;
}

describe("AdmissionBatcher", () => {
  it("admits the txs submitted in one turn with one addBatch call, in order", async () => {
    const calls: number[][] = [];
    const batcher = new AdmissionBatcher(async (txs) => {
      calls.push(txs.map((t) => t.hash[0]));
      return txs.map((t) => (t.hash[0] === 2 ? new Error("nonce too low") : t.hash));
    });
    const results = await Promise.allSettled([1, 2, 3].map((i) => batcher.add(fakeTx(i))));
    expect(calls).toEqual([[1, 2, 3]]);
    expect(results[0]).toEqual({ status: "fulfilled", value: Uint8Array.of(1) });
    expect(results[1]).toMatchObject({ status: "rejected", reason: { message: "nonce too low" } });
    expect(results[2]).toEqual({ status: "fulfilled", value: Uint8Array.of(3) });

    await batcher.add(fakeTx(4));
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });

  it("rejects every waiting tx when the pool call itself fails", async () => {
    const batcher = new AdmissionBatcher(async () => {
      throw new Error("pool closed");
    });
    const results = await Promise.allSettled([batcher.add(fakeTx(1)), batcher.add(fakeTx(2))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});

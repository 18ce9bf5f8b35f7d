import { MerkleStateManager } from "@ethereumjs/statemanager";
import { bytesToHex, padBytes, seededRandom } from "@knode/common";
import { MemoryKvStore } from "@knode/db";
import { describe, expect, it } from "vitest";
import { EMPTY_TRIE_ROOT, WorldState } from "../src/index.js";
import { ADDRESSES, randomOp, SLOTS } from "./randomStateOps.js";

interface Snapshot {
  root: string;
  accounts: Map<string, { nonce: bigint; balance: bigint; code: string; storage: string[] } | undefined>;
}

async function snapshot(sm: MerkleStateManager): Promise<Snapshot> {
  const accounts: Snapshot["accounts"] = new Map();
  for (const a of ADDRESSES) {
    const acc = await sm.getAccount(a);
    if (acc === undefined) {
      accounts.set(a.toString(), undefined);
      continue;
    }
    const storage: string[] = [];
    for (const s of SLOTS) storage.push(bytesToHex(padBytes(await sm.getStorage(a, s), 32)));
    accounts.set(a.toString(), {
      nonce: acc.nonce,
      balance: acc.balance,
      code: bytesToHex(await sm.getCode(a)),
      storage,
    });
  }
  return { root: bytesToHex(await sm.getStateRoot()), accounts };
}

describe("WorldState randomized against a plain MerkleStateManager", () => {
  it.each([1, 2, 3])(
    "seed %i: same roots per block, every block's state readable from the written ops",
    async (seed) => {
      const r = seededRandom(seed);
      const kv = new MemoryKvStore();
      const reference = new MerkleStateManager();
      const snapshots: Snapshot[] = [];
      let root = EMPTY_TRIE_ROOT;
      for (let block = 0; block < 6; block++) {
        const ws = await WorldState.open(kv, root);
        for (let tx = 0; tx < 25; tx++) {
          const ops = Array.from({ length: 1 + Math.floor(r() * 4) }, () => randomOp(r));
          const revert = r() < 0.2;
          for (const sm of [ws.stateManager, reference]) {
            await sm.checkpoint();
            for (const op of ops) await op(sm);
            if (revert) await sm.revert();
            else await sm.commit();
          }
        }
        const { stateRoot, ops } = await ws.commit();
        await kv.batch(ops);
        const snap = await snapshot(reference);
        expect(bytesToHex(stateRoot)).toBe(snap.root);
        snapshots.push(snap);
        root = stateRoot;
      }
      for (const snap of snapshots) {
        const ws = await WorldState.open(kv, Uint8Array.from(Buffer.from(snap.root.slice(2), "hex")));
        for (const a of ADDRESSES) {
          const want = snap.accounts.get(a.toString());
          const acc = await ws.getAccount(a.bytes);
          if (want === undefined) {
            expect(acc.balance).toBe(0n);
            expect(acc.nonce).toBe(0n);
            continue;
          }
          expect(acc.nonce).toBe(want.nonce);
          expect(acc.balance).toBe(want.balance);
          expect(bytesToHex(await ws.getCode(a.bytes))).toBe(want.code);
          const storage: string[] = [];
          for (const s of SLOTS) storage.push(bytesToHex(await ws.getStorage(a.bytes, s)));
          expect(storage).toEqual(want.storage);
        }
      }
    },
  );
});

import type { StateManagerInterface } from "@ethereumjs/common";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { Account, type Address } from "@ethereumjs/util";
import { bytesToHex, hexToBytes, padBytes, seededRandom } from "@knode/common";
import { MemoryKvStore } from "@knode/db";
import { describe, expect, it } from "vitest";
import { EMPTY_TRIE_ROOT, FlatStateStore, WorldState } from "../src/index.js";
import { ADDRESSES, randomOp, SLOTS } from "./randomStateOps.js";

interface AccountView {
  nonce: bigint;
  balance: bigint;
  code: string;
  storage: string[];
}

async function view(sm: StateManagerInterface, a: Address): Promise<AccountView | undefined> {
  const acc = await sm.getAccount(a);
  if (acc === undefined) return undefined;
  const storage: string[] = [];
  for (const s of SLOTS) storage.push(bytesToHex(padBytes(await sm.getStorage(a, s), 32)));
  return { nonce: acc.nonce, balance: acc.balance, code: bytesToHex(await sm.getCode(a)), storage };
}

/** Runs one tx's ops on both states, with a nested checkpoint now and then, committing or reverting alike. */
async function applyTx(r: () => number, states: StateManagerInterface[]): Promise<void> {
  const outer = Array.from({ length: 1 + Math.floor(r() * 4) }, () => randomOp(r));
  const inner = r() < 0.4 ? Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomOp(r)) : [];
  const revertInner = r() < 0.5;
  const revertOuter = r() < 0.2;
  for (const sm of states) {
    await sm.checkpoint();
    for (const op of outer) await op(sm);
    if (inner.length > 0) {
      await sm.checkpoint();
      for (const op of inner) await op(sm);
      if (revertInner) await sm.revert();
      else await sm.commit();
    }
    if (revertOuter) await sm.revert();
    else await sm.commit();
  }
}

describe("FlatStateStore randomized against a plain MerkleStateManager", () => {
  // The last two run with caches so small that the head starts over after nearly every block.
  const tiny = { maxCachedAccounts: 5, maxCachedSlots: 10, maxResolvedTrieNodes: 40, maxCachedCode: 1 };
  it.each([
    [1, {}],
    [2, {}],
    [3, {}],
    [4, {}],
    [5, tiny],
    [6, tiny],
  ])(
    "seed %i: same roots per block, warm and cold, and the stock reader sees the written state",
    async (seed, cacheLimits) => {
      const r = seededRandom(seed);
      const kv = new MemoryKvStore();
      const store = new FlatStateStore(cacheLimits, { kv });
      const reference = new MerkleStateManager();
      const roots: Uint8Array[] = [];
      const views: Map<string, AccountView | undefined>[] = [];
      let root = EMPTY_TRIE_ROOT;
      for (let block = 0; block < 8; block++) {
        const state = store.open(root);
        for (let tx = 0; tx < 30; tx++) await applyTx(r, [state, reference]);
        // Reads inside the block agree with the reference before anything is hashed.
        for (const a of ADDRESSES.slice(0, 10)) expect(await view(state, a)).toEqual(await view(reference, a));
        const fin = await state.finalize();
        expect(bytesToHex(fin.root)).toBe(bytesToHex(await reference.getStateRoot()));
        await kv.batch(fin.ops);
        // Every other block a competing (never written) block runs first, as after a round change.
        if (block % 2 === 1) {
          const rival = store.open(root);
          await rival.modifyAccountFields(ADDRESSES[0], { balance: 12345n });
          await rival.finalize();
        }
        store.advance(fin);
        root = fin.root;
        roots.push(root);
        const snap = new Map<string, AccountView | undefined>();
        for (const a of ADDRESSES) snap.set(a.toString(), await view(reference, a));
        views.push(snap);
      }
      for (let i = 0; i < roots.length; i++) {
        const cold = new FlatStateStore({}, { kv }).open(roots[i]);
        const stock = (await WorldState.open(kv, roots[i])).stateManager;
        for (const a of ADDRESSES) {
          const want = views[i].get(a.toString());
          expect(await view(cold, a)).toEqual(want);
          expect(await view(stock, a)).toEqual(want);
        }
      }
    },
  );

  it("a block state reports the pre-tx word through originalStorageCache", async () => {
    const store = new FlatStateStore({}, { kv: new MemoryKvStore() });
    const state = store.open(EMPTY_TRIE_ROOT);
    const a = ADDRESSES[1];
    await state.putAccount(a, new Account());
    await state.putStorage(a, SLOTS[0], hexToBytes("0x05"));
    state.originalStorageCache.clear();
    await state.checkpoint();
    expect(await state.originalStorageCache.get(a, SLOTS[0])).toEqual(hexToBytes("0x05"));
    await state.putStorage(a, SLOTS[0], hexToBytes("0x07"));
    expect(await state.originalStorageCache.get(a, SLOTS[0])).toEqual(hexToBytes("0x05"));
    expect(await state.getStorage(a, SLOTS[0])).toEqual(hexToBytes("0x07"));
    await state.revert();
    expect(await state.getStorage(a, SLOTS[0])).toEqual(hexToBytes("0x05"));
  });

  it("refuses to finalize with an open checkpoint and rejects bad slots", async () => {
    const state = new FlatStateStore({}, { kv: new MemoryKvStore() }).open(EMPTY_TRIE_ROOT);
    await expect(state.getStorage(ADDRESSES[0], new Uint8Array(31))).rejects.toMatchObject({
      type: { code: "STATE_INVALID_SLOT" },
    });
    await state.checkpoint();
    await expect(state.finalize()).rejects.toMatchObject({ type: { code: "STATE_OPEN_CHECKPOINT" } });
  });
});

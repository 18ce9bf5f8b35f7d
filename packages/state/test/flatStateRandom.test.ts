import type { StateManagerInterface } from "@ethereumjs/common";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { Account, Address } from "@ethereumjs/util";
import { bigIntToFixedBytes, bytesToHex, hexToBytes, padBytes } from "@knode/common";
import { MemoryKvStore } from "@knode/db";
import { describe, expect, it } from "vitest";
import { EMPTY_TRIE_ROOT, FlatStateStore, WorldState } from "../src/index.js";

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ADDRESSES = Array.from({ length: 40 }, (_, i) => {
  const a = new Uint8Array(20);
  a[0] = i * 7;
  a[19] = i;
  return new Address(a);
});
const SLOTS = Array.from({ length: 8 }, (_, i) => bigIntToFixedBytes(BigInt(i * 977 + 1), 32));

type Op = (sm: StateManagerInterface) => Promise<void>;

function randomOp(r: () => number): Op {
  const addr = ADDRESSES[Math.floor(r() * ADDRESSES.length)];
  const kind = Math.floor(r() * 7);
  const n = BigInt(Math.floor(r() * 1e9));
  const slot = SLOTS[Math.floor(r() * SLOTS.length)];
  const value = r() < 0.25 ? new Uint8Array(32) : bigIntToFixedBytes(n + 1n, 32);
  const code = Uint8Array.from({ length: 1 + Math.floor(r() * 40) }, (_, i) => (Number(n) + i) & 0xff);
  const ensure = async (sm: StateManagerInterface) => {
    if ((await sm.getAccount(addr)) === undefined) await sm.putAccount(addr, new Account());
  };
  switch (kind) {
    case 0:
      return async (sm) => sm.modifyAccountFields(addr, { balance: n });
    case 1:
      return async (sm) => sm.modifyAccountFields(addr, { nonce: n % 1000n });
    case 2:
    case 3:
      return async (sm) => {
        await ensure(sm);
        await sm.putStorage(addr, slot, value);
      };
    case 4:
      return async (sm) => sm.putCode(addr, code);
    case 5:
      return async (sm) => {
        await ensure(sm);
        await sm.clearStorage(addr);
      };
    default:
      // ethereumjs keeps a deleted account's storage trie cached by address and serves it again if the
      // account comes back; Ethereum (and BlockState) drop the storage with the account. Clearing first
      // makes the reference follow the real rule.
      return async (sm) => {
        if ((await sm.getAccount(addr)) === undefined) return;
        await sm.clearStorage(addr);
        await sm.deleteAccount(addr);
      };
  }
}

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
  it.each([1, 2, 3, 4])(
    "seed %i: same roots per block, warm and cold, and the stock reader sees the written state",
    async (seed) => {
      const r = rng(seed);
      const kv = new MemoryKvStore();
      const store = new FlatStateStore({}, { kv });
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

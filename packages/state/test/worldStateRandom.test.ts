import type { StateManagerInterface } from "@ethereumjs/common";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { Account, Address } from "@ethereumjs/util";
import { bigIntToFixedBytes, bytesToHex, padBytes } from "@knode/common";
import { MemoryKvStore } from "@knode/db";
import { describe, expect, it } from "vitest";
import { EMPTY_TRIE_ROOT, WorldState } from "../src/index.js";

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

const ADDRESSES = Array.from({ length: 24 }, (_, i) => {
  const a = new Uint8Array(20);
  a[0] = i * 11;
  a[19] = i;
  return new Address(a);
});
const SLOTS = Array.from({ length: 6 }, (_, i) => bigIntToFixedBytes(BigInt(i * 1000 + 1), 32));

type Op = (sm: StateManagerInterface) => Promise<void>;

function randomOp(r: () => number): Op {
  const addr = ADDRESSES[Math.floor(r() * ADDRESSES.length)];
  const kind = Math.floor(r() * 5);
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
      return async (sm) => {
        await ensure(sm);
        await sm.putStorage(addr, slot, value);
      };
    case 3:
      return async (sm) => sm.putCode(addr, code);
    default:
      return async (sm) => {
        await ensure(sm);
        await sm.clearStorage(addr);
      };
  }
}

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
      const r = rng(seed);
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

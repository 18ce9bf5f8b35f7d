import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Account, Address } from "@ethereumjs/util";
import { bigIntToFixedBytes, bytesToHex, isKnodeError } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import { Bucket, bucketKey, LevelKvStore, MemoryKvStore, WriteBatch } from "@knode/db";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, StateErrorCode, WorldState } from "../src/index.js";

const alice = new Uint8Array(20).fill(0xa1);
const bob = new Uint8Array(20).fill(0xb0);
const contract = new Uint8Array(20).fill(0xcc);
const code = Uint8Array.from([0x60, 0x01, 0x60, 0x00, 0x55, 0x00]);
const slot = (n: bigint) => bigIntToFixedBytes(n, 32);

let dir: string;
let kv: LevelKvStore | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "knode-state-"));
});

afterEach(async () => {
  await kv?.close();
  kv = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function reopenDb(): Promise<LevelKvStore> {
  await kv?.close();
  kv = await LevelKvStore.open(dir);
  return kv;
}

async function commitTo(db: LevelKvStore, ws: WorldState): Promise<Uint8Array> {
  const { stateRoot, ops } = await ws.commit();
  await new WriteBatch(db).pushAll(ops).commit();
  return stateRoot;
}

describe("WorldState over LevelDB", () => {
  it("writes nothing until the ops are committed, then reopens at the root with everything readable", async () => {
    const db = await reopenDb();
    const ws = await WorldState.open(db, EMPTY_TRIE_ROOT);
    await ws.setBalance(alice, 10n ** 18n);
    await ws.setNonce(alice, 5n);
    expect(await ws.addBalance(bob, 42n)).toBe(42n);
    await ws.setCode(contract, code);
    await ws.setStorage(contract, slot(0n), slot(0xdeadbeefn));
    await ws.setStorage(contract, slot(7n), bigIntToFixedBytes(1n, 32));

    let count = 0;
    for await (const _ of db.iterate()) count++;
    expect(count).toBe(0);

    const { stateRoot, ops } = await ws.commit();
    expect(ops.length).toBeGreaterThan(0);
    expect(ops.every((op) => op.key[0] === Bucket.trieNode || op.key[0] === Bucket.code)).toBe(true);
    expect(ops.some((op) => op.key[0] === Bucket.code)).toBe(true);
    await db.batch(ops);
    expect(await db.get(bucketKey(Bucket.code, keccak256(code)))).toEqual(code);

    const again = await WorldState.open(await reopenDb(), stateRoot);
    const a = await again.getAccount(alice);
    expect(a.balance).toBe(10n ** 18n);
    expect(a.nonce).toBe(5n);
    expect(bytesToHex(a.codeHash)).toBe(bytesToHex(EMPTY_CODE_HASH));
    expect((await again.getAccount(bob)).balance).toBe(42n);
    expect(await again.getCode(contract)).toEqual(code);
    const c = await again.getAccount(contract);
    expect(bytesToHex(c.codeHash)).toBe(bytesToHex(keccak256(code)));
    expect(bytesToHex(c.storageRoot)).not.toBe(bytesToHex(EMPTY_TRIE_ROOT));
    expect(bytesToHex(await again.getStorage(contract, slot(0n)))).toBe(bytesToHex(slot(0xdeadbeefn)));
    expect(bytesToHex(await again.getStorage(contract, slot(7n)))).toBe(bytesToHex(slot(1n)));
    expect(await again.getStorage(contract, slot(8n))).toEqual(new Uint8Array(32));
    expect(bytesToHex(await again.stateRoot())).toBe(bytesToHex(stateRoot));
  });

  it("returns the zero account for an absent address", async () => {
    const ws = await WorldState.open(await reopenDb(), EMPTY_TRIE_ROOT);
    expect(await ws.getAccount(bob)).toEqual({
      nonce: 0n,
      balance: 0n,
      codeHash: EMPTY_CODE_HASH,
      storageRoot: EMPTY_TRIE_ROOT,
    });
    expect(await ws.getCode(bob)).toEqual(new Uint8Array(0));
    expect(await ws.getStorage(bob, slot(1n))).toEqual(new Uint8Array(32));
  });

  it("keeps older roots readable after later commits (archive)", async () => {
    const db = await reopenDb();
    const ws1 = await WorldState.open(db, EMPTY_TRIE_ROOT);
    await ws1.setBalance(alice, 100n);
    await ws1.setStorage(contract, slot(1n), slot(11n));
    const root1 = await commitTo(db, ws1);

    const ws2 = await WorldState.open(db, root1);
    await ws2.addBalance(alice, -30n);
    await ws2.setBalance(bob, 7n);
    await ws2.setStorage(contract, slot(1n), slot(22n));
    const root2 = await commitTo(db, ws2);

    const ws3 = await WorldState.open(db, root2);
    await ws3.setStorage(contract, slot(1n), new Uint8Array(32));
    const root3 = await commitTo(db, ws3);
    expect(new Set([bytesToHex(root1), bytesToHex(root2), bytesToHex(root3)]).size).toBe(3);

    await reopenDb();
    const old = await WorldState.open(kv as LevelKvStore, root1);
    expect((await old.getAccount(alice)).balance).toBe(100n);
    expect((await old.getAccount(bob)).balance).toBe(0n);
    expect(await old.getStorage(contract, slot(1n))).toEqual(slot(11n));
    const mid = await WorldState.open(kv as LevelKvStore, root2);
    expect((await mid.getAccount(alice)).balance).toBe(70n);
    expect(await mid.getStorage(contract, slot(1n))).toEqual(slot(22n));
    const latest = await WorldState.open(kv as LevelKvStore, root3);
    expect(await latest.getStorage(contract, slot(1n))).toEqual(new Uint8Array(32));
    expect((await latest.getAccount(contract)).storageRoot).toEqual(EMPTY_TRIE_ROOT);
  });

  it("can go on after commit, before the ops are written, and commit again", async () => {
    const db = await reopenDb();
    const ws = await WorldState.open(db, EMPTY_TRIE_ROOT);
    await ws.setBalance(alice, 1n);
    await ws.setStorage(contract, slot(3n), slot(3n));
    const first = await ws.commit();
    // The first ops are not on disk yet; this instance must still read and extend its own state.
    await ws.setBalance(bob, 2n);
    await ws.setStorage(contract, slot(4n), slot(4n));
    expect(await ws.getStorage(contract, slot(3n))).toEqual(slot(3n));
    const second = await ws.commit();
    await db.batch([...first.ops, ...second.ops]);
    const reopened = await WorldState.open(db, second.stateRoot);
    expect((await reopened.getAccount(alice)).balance).toBe(1n);
    expect((await reopened.getAccount(bob)).balance).toBe(2n);
    expect(await reopened.getStorage(contract, slot(3n))).toEqual(slot(3n));
    expect(await reopened.getStorage(contract, slot(4n))).toEqual(slot(4n));
    const earlier = await WorldState.open(db, first.stateRoot);
    expect((await earlier.getAccount(bob)).balance).toBe(0n);
  });

  it("leaves out nodes of intermediate roots but keeps everything the final root needs", async () => {
    const mem = new MemoryKvStore();
    const ws = await WorldState.open(mem, EMPTY_TRIE_ROOT);
    const sm = ws.stateManager;
    // Many separately flushed updates produce many superseded intermediate nodes.
    for (let i = 0; i < 200; i++) {
      const addr = new Uint8Array(20);
      addr[0] = i;
      addr[19] = 1;
      await sm.checkpoint();
      await sm.putAccount(new Address(addr), new Account(0n, BigInt(i + 1)));
      await sm.commit();
    }
    const written = ws.nodes.pendingSize;
    const { stateRoot, ops } = await ws.commit();
    expect(ops.length).toBeLessThan(written);
    await mem.batch(ops);
    const reopened = await WorldState.open(mem, stateRoot);
    for (let i = 0; i < 200; i++) {
      const addr = new Uint8Array(20);
      addr[0] = i;
      addr[19] = 1;
      expect((await reopened.getAccount(addr)).balance).toBe(BigInt(i + 1));
    }
  });

  it("rejects unknown roots, bad inputs, overdrafts and commits inside a checkpoint", async () => {
    const db = await reopenDb();
    const missing = await WorldState.open(db, keccak256(Uint8Array.of(1))).catch((e: unknown) => e);
    expect(isKnodeError(missing, StateErrorCode.MISSING_ROOT)).toBe(true);
    const ws = await WorldState.open(db, EMPTY_TRIE_ROOT);
    await expect(ws.getAccount(new Uint8Array(19))).rejects.toMatchObject({ code: StateErrorCode.INVALID_ADDRESS });
    await expect(ws.getStorage(alice, new Uint8Array(31))).rejects.toMatchObject({
      code: StateErrorCode.INVALID_SLOT,
    });
    await ws.setBalance(alice, 5n);
    await expect(ws.addBalance(alice, -6n)).rejects.toMatchObject({ code: StateErrorCode.NEGATIVE_BALANCE });
    expect((await ws.getAccount(alice)).balance).toBe(5n);
    await ws.stateManager.checkpoint();
    await expect(ws.commit()).rejects.toMatchObject({ code: StateErrorCode.OPEN_CHECKPOINT });
    await ws.stateManager.revert();
    expect((await ws.commit()).ops.length).toBeGreaterThan(0);
  });
});

import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bytesToUtf8, isKnodeError, uint64ToBytes, utf8ToBytes } from "@knode/common";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Bucket,
  bucketKey,
  bytesCodec,
  DbError,
  DbErrorCode,
  type KvStore,
  LevelKvStore,
  MemoryKvStore,
  Repository,
  uint64Codec,
  utf8Codec,
  WriteBatch,
} from "../src/index.js";

let dir: string;
const open: LevelKvStore[] = [];

async function openStore(p = dir): Promise<LevelKvStore> {
  const s = await LevelKvStore.open(p);
  open.push(s);
  return s;
}

async function collect(it: AsyncIterable<[Uint8Array, Uint8Array]>): Promise<[Uint8Array, Uint8Array][]> {
  const out: [Uint8Array, Uint8Array][] = [];
  for await (const e of it) out.push(e);
  return out;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "knode-db-"));
});

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

describe("LevelKvStore", () => {
  it("applies a batch atomically and later ops win", async () => {
    const kv = await openStore();
    const a = utf8ToBytes("a");
    const b = utf8ToBytes("b");
    await kv.batch([
      { type: "put", key: a, value: utf8ToBytes("1") },
      { type: "put", key: b, value: utf8ToBytes("2") },
      { type: "del", key: a },
      { type: "put", key: b, value: utf8ToBytes("3") },
    ]);
    expect(await kv.get(a)).toBeUndefined();
    expect(await kv.has(a)).toBe(false);
    expect(bytesToUtf8((await kv.get(b)) ?? new Uint8Array())).toBe("3");
    expect(await kv.has(b)).toBe(true);
    const many = await kv.getMany([a, b]);
    expect(many[0]).toBeUndefined();
    expect(many[1]).toEqual(utf8ToBytes("3"));
  });

  it("writes nothing of a batch that fails", async () => {
    const kv = await openStore();
    const bad = { type: "put", key: utf8ToBytes("y"), value: undefined } as unknown as {
      type: "put";
      key: Uint8Array;
      value: Uint8Array;
    };
    await expect(kv.batch([{ type: "put", key: utf8ToBytes("x"), value: utf8ToBytes("1") }, bad])).rejects.toThrow();
    expect(await kv.get(utf8ToBytes("x"))).toBeUndefined();
  });

  it("returns plain Uint8Arrays", async () => {
    const kv = await openStore();
    await kv.batch([{ type: "put", key: Uint8Array.of(1), value: Uint8Array.of(2, 3) }]);
    const v = await kv.get(Uint8Array.of(1));
    expect(v?.constructor).toBe(Uint8Array);
    expect(v).toEqual(Uint8Array.of(2, 3));
  });

  it("orders big-endian uint64 keys numerically, forwards, backwards and with limits", async () => {
    const kv = await openStore();
    const numbers = [0n, 1n, 255n, 256n, 65_535n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 64n - 1n];
    const shuffled = [...numbers].sort(() => Math.random() - 0.5);
    await kv.batch(
      shuffled.map((n) => ({
        type: "put",
        key: bucketKey(Bucket.canonical, uint64ToBytes(n)),
        value: utf8ToBytes(n.toString()),
      })),
    );
    // A neighbouring bucket must not leak into the scan.
    await kv.batch([{ type: "put", key: bucketKey(Bucket.headerNumber, Uint8Array.of(0)), value: Uint8Array.of(9) }]);
    const repo = new Repository(kv, Bucket.canonical, uint64Codec, utf8Codec);
    const forward: bigint[] = [];
    for await (const [k, v] of repo.entries()) {
      expect(v).toBe(k.toString());
      forward.push(k);
    }
    expect(forward).toEqual(numbers);
    const backward: bigint[] = [];
    for await (const [k] of repo.entries({ reverse: true, limit: 3 })) backward.push(k);
    expect(backward).toEqual(numbers.slice(-3).reverse());
    const ranged: bigint[] = [];
    for await (const [k] of repo.entries({ gte: 255n, lt: 2n ** 32n })) ranged.push(k);
    expect(ranged).toEqual([255n, 256n, 65_535n]);
  });

  it("refuses a second open of a locked database with DB_LOCKED", async () => {
    await openStore();
    const err = await LevelKvStore.open(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbError);
    expect(isKnodeError(err, DbErrorCode.LOCKED)).toBe(true);
    expect((err as DbError).message).toContain(dir);
    expect((err as DbError).message).toContain("locked by another process");
  });

  it("refuses a database held by another process with DB_LOCKED, and opens it once that process exits", async () => {
    const holder = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { ClassicLevel } from "classic-level";
         const db = new ClassicLevel(process.argv[1]);
         await db.open();
         process.stdout.write("ready\\n");
         process.stdin.on("end", () => db.close().then(() => process.exit(0)));
         process.stdin.resume();`,
        dir,
      ],
      {
        cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../.."),
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    const exited = once(holder, "exit");
    await once(holder.stdout, "data");
    const err = await LevelKvStore.open(dir).catch((e: unknown) => e);
    expect(isKnodeError(err, DbErrorCode.LOCKED)).toBe(true);
    expect((err as DbError).message).toBe(`database ${dir} is locked by another process`);
    holder.stdin.end();
    await exited;
    await openStore();
  });

  it("reports other failures as DB_OPEN_FAILED", async () => {
    const kv = await openStore();
    await kv.close();
    const missing = path.join(dir, "absent");
    const err = await LevelKvStore.open(missing, { createIfMissing: false }).catch((e: unknown) => e);
    expect(isKnodeError(err, DbErrorCode.OPEN_FAILED)).toBe(true);
  });

  it("keeps data across close and reopen, and the lock is released on close", async () => {
    const kv = await openStore();
    const repo = new Repository(kv, Bucket.meta, utf8Codec, bytesCodec);
    await new WriteBatch(kv).put(repo, "head", Uint8Array.of(7, 7)).commit();
    await kv.close();
    const again = await openStore();
    const repo2 = new Repository(again, Bucket.meta, utf8Codec, bytesCodec);
    expect(await repo2.get("head")).toEqual(Uint8Array.of(7, 7));
  });
});

describe.each<[string, () => Promise<KvStore>]>([
  ["MemoryKvStore", async () => new MemoryKvStore()],
  ["LevelKvStore", () => openStore()],
])("%s shared semantics", (_name, make) => {
  it("iterates bytewise-sorted within [gte, lt)", async () => {
    const kv = await make();
    const keys = [Uint8Array.of(2), Uint8Array.of(1, 255), Uint8Array.of(1), Uint8Array.of(0x80), Uint8Array.of(1, 0)];
    await kv.batch(keys.map((k, i) => ({ type: "put", key: k, value: Uint8Array.of(i) })));
    const all = (await collect(kv.iterate())).map(([k]) => Array.from(k));
    expect(all).toEqual([[1], [1, 0], [1, 255], [2], [0x80]]);
    const some = (await collect(kv.iterate({ gte: Uint8Array.of(1, 0), lt: Uint8Array.of(0x80) }))).map(([k]) =>
      Array.from(k),
    );
    expect(some).toEqual([[1, 0], [1, 255], [2]]);
    const rev = (await collect(kv.iterate({ reverse: true, limit: 2 }))).map(([k]) => Array.from(k));
    expect(rev).toEqual([[0x80], [2]]);
  });

  it("WriteBatch commits ops from several repositories at once", async () => {
    const kv = await make();
    const canonical = new Repository(kv, Bucket.canonical, uint64Codec, bytesCodec);
    const meta = new Repository(kv, Bucket.meta, utf8Codec, bytesCodec);
    const wb = new WriteBatch(kv)
      .put(canonical, 5n, Uint8Array.of(5))
      .put(meta, "head", Uint8Array.of(5))
      .push({ type: "put", key: bucketKey(Bucket.trieNode, Uint8Array.of(0xaa)), value: Uint8Array.of(1) });
    expect(wb.length).toBe(3);
    expect(await canonical.get(5n)).toBeUndefined();
    await wb.commit();
    expect(wb.length).toBe(0);
    expect(await canonical.getMany([5n, 6n])).toEqual([Uint8Array.of(5), undefined]);
    expect(await meta.has("head")).toBe(true);
    await new WriteBatch(kv).del(meta, "head").commit();
    expect(await meta.get("head")).toBeUndefined();
    expect(await kv.get(bucketKey(Bucket.trieNode, Uint8Array.of(0xaa)))).toEqual(Uint8Array.of(1));
  });
});

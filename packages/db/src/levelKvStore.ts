import { ClassicLevel } from "classic-level";
import { DbError, DbErrorCode } from "./errors.js";
import type { BatchOp, IterateOptions, KvStore } from "./kvStore.js";

export interface LevelKvStoreOptions {
  createIfMissing: boolean;
  /** fsync every batch. Off by default: LevelDB's log already survives a killed process, only an OS crash can lose the tail. */
  syncWrites: boolean;
  /** LevelDB block cache; trie reads are random, so a larger cache pays off on big states. */
  cacheSizeBytes: number;
  writeBufferSizeBytes: number;
}

export const defaultLevelKvStoreOptions: LevelKvStoreOptions = {
  createIfMissing: true,
  syncWrites: false,
  cacheSizeBytes: 64 * 1024 * 1024,
  writeBufferSizeBytes: 16 * 1024 * 1024,
};

type Level = ClassicLevel<Uint8Array, Uint8Array>;

/** classic-level hands out Buffers; callers compare and store plain Uint8Arrays, so re-view without copying. */
function view(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function errorCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string") return err.code;
  return undefined;
}

function errorCause(err: unknown): unknown {
  return err instanceof Error ? err.cause : undefined;
}

export class LevelKvStore implements KvStore {
  private closed = false;

  private constructor(
    private readonly db: Level,
    readonly path: string,
    private readonly opts: LevelKvStoreOptions,
  ) {}

  static async open(path: string, opts: Partial<LevelKvStoreOptions> = {}): Promise<LevelKvStore> {
    const o = { ...defaultLevelKvStoreOptions, ...opts };
    const db: Level = new ClassicLevel<Uint8Array, Uint8Array>(path, {
      keyEncoding: "view",
      valueEncoding: "view",
      createIfMissing: o.createIfMissing,
      cacheSize: o.cacheSizeBytes,
      writeBufferSize: o.writeBufferSizeBytes,
    });
    try {
      await db.open();
    } catch (err) {
      const cause = errorCause(err);
      if (errorCode(cause) === "LEVEL_LOCKED" || errorCode(err) === "LEVEL_LOCKED") {
        throw new DbError({ code: DbErrorCode.LOCKED, path }, `database ${path} is locked by another process`);
      }
      const reason = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
      throw new DbError({ code: DbErrorCode.OPEN_FAILED, path, reason }, `cannot open database ${path}: ${reason}`);
    }
    return new LevelKvStore(db, path, o);
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const v = await this.db.get(key);
    return v === undefined ? undefined : view(v);
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return [];
    const vs = await this.db.getMany(keys as Uint8Array[]);
    return vs.map((v) => (v === undefined ? undefined : view(v)));
  }

  async has(key: Uint8Array): Promise<boolean> {
    return (await this.db.get(key)) !== undefined;
  }

  async batch(ops: readonly BatchOp[]): Promise<void> {
    if (ops.length === 0) return;
    // BatchOp is structurally what abstract-level expects; no per-op copy on the block-commit path.
    await this.db.batch(ops as BatchOp[], { sync: this.opts.syncWrites });
  }

  async *iterate(opts: IterateOptions = {}): AsyncIterable<[Uint8Array, Uint8Array]> {
    const range: { gte?: Uint8Array; lt?: Uint8Array; reverse?: boolean; limit?: number } = {};
    if (opts.gte !== undefined) range.gte = opts.gte;
    if (opts.lt !== undefined) range.lt = opts.lt;
    if (opts.reverse !== undefined) range.reverse = opts.reverse;
    if (opts.limit !== undefined) range.limit = opts.limit;
    const it = this.db.iterator(range);
    try {
      for await (const [k, v] of it) yield [view(k), view(v)];
    } finally {
      await it.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }
}

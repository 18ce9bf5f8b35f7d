import type { BatchOp, IterateOptions, KvStore } from "./kvStore.js";

/**
 * Latin-1 strings map each byte to one UTF-16 unit, so JS string order equals bytewise key order
 * (what LevelDB's default comparator does) and Map lookups need no custom hashing.
 */
function toKey(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}

function fromKey(s: string): Uint8Array {
  const buf = Buffer.from(s, "latin1");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** In-memory twin of LevelKvStore for unit tests: same atomic batches and sorted iteration. */
export class MemoryKvStore implements KvStore {
  private readonly data = new Map<string, Uint8Array>();
  /** Sorted keys, rebuilt lazily after writes so iteration stays cheap for read-mostly tests. */
  private sorted: string[] | undefined;

  get size(): number {
    return this.data.size;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.data.get(toKey(key));
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return keys.map((k) => this.data.get(toKey(k)));
  }

  async has(key: Uint8Array): Promise<boolean> {
    return this.data.has(toKey(key));
  }

  async batch(ops: readonly BatchOp[]): Promise<void> {
    for (const op of ops) {
      // Store a copy: LevelDB would not see later mutations of the caller's buffer either.
      if (op.type === "put") this.data.set(toKey(op.key), new Uint8Array(op.value));
      else this.data.delete(toKey(op.key));
    }
    if (ops.length > 0) this.sorted = undefined;
  }

  async *iterate(opts: IterateOptions = {}): AsyncIterable<[Uint8Array, Uint8Array]> {
    if (this.sorted === undefined) this.sorted = [...this.data.keys()].sort();
    const keys = this.sorted;
    const gte = opts.gte === undefined ? undefined : toKey(opts.gte);
    const lt = opts.lt === undefined ? undefined : toKey(opts.lt);
    const inRange = keys.filter((k) => (gte === undefined || k >= gte) && (lt === undefined || k < lt));
    if (opts.reverse) inRange.reverse();
    const limit = opts.limit === undefined || opts.limit < 0 ? inRange.length : opts.limit;
    for (let i = 0; i < Math.min(limit, inRange.length); i++) {
      const value = this.data.get(inRange[i]);
      if (value !== undefined) yield [fromKey(inRange[i]), value];
    }
  }

  async close(): Promise<void> {}
}

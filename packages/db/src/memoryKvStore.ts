import { bytesKey, keyBytes } from "@knode/common";
import type { BatchOp, IterateOptions, KvStore } from "./kvStore.js";

// Keys are held as bytesKey strings: their order is the bytewise order LevelDB iterates in.

/** In-memory twin of LevelKvStore for unit tests: same atomic batches and sorted iteration. */
export class MemoryKvStore implements KvStore {
  private readonly data = new Map<string, Uint8Array>();
  /** Sorted keys, rebuilt lazily after writes so iteration stays cheap for read-mostly tests. */
  private sorted: string[] | undefined;

  get size(): number {
    return this.data.size;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.data.get(bytesKey(key));
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return keys.map((k) => this.data.get(bytesKey(k)));
  }

  async has(key: Uint8Array): Promise<boolean> {
    return this.data.has(bytesKey(key));
  }

  async batch(ops: readonly BatchOp[]): Promise<void> {
    for (const op of ops) {
      // Store a copy: LevelDB would not see later mutations of the caller's buffer either.
      if (op.type === "put") this.data.set(bytesKey(op.key), new Uint8Array(op.value));
      else this.data.delete(bytesKey(op.key));
    }
    if (ops.length > 0) this.sorted = undefined;
  }

  async *iterate(opts: IterateOptions = {}): AsyncIterable<[Uint8Array, Uint8Array]> {
    if (this.sorted === undefined) this.sorted = [...this.data.keys()].sort();
    const keys = this.sorted;
    const gte = opts.gte === undefined ? undefined : bytesKey(opts.gte);
    const lt = opts.lt === undefined ? undefined : bytesKey(opts.lt);
    const inRange = keys.filter((k) => (gte === undefined || k >= gte) && (lt === undefined || k < lt));
    if (opts.reverse) inRange.reverse();
    const limit = opts.limit === undefined || opts.limit < 0 ? inRange.length : opts.limit;
    for (let i = 0; i < Math.min(limit, inRange.length); i++) {
      const value = this.data.get(inRange[i]);
      if (value !== undefined) yield [keyBytes(inRange[i]), value];
    }
  }

  async close(): Promise<void> {}
}

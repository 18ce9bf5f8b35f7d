import { type Bucket, bucketKey, bucketRange } from "./bucket.js";
import type { Codec } from "./codec.js";
import type { BatchOp, KvStore } from "./kvStore.js";

export interface RepositoryRange<K> {
  gte?: K;
  lt?: K;
  reverse?: boolean;
  limit?: number;
}

/**
 * Typed view of one bucket. Writes return BatchOps instead of touching the store so that everything a
 * block changes lands in one atomic batch (see WriteBatch).
 */
export class Repository<K, V> {
  constructor(
    readonly kv: KvStore,
    readonly bucket: Bucket,
    readonly keyCodec: Codec<K>,
    readonly valueCodec: Codec<V>,
  ) {}

  /** The full database key, bucket prefix included. */
  dbKey(key: K): Uint8Array {
    return bucketKey(this.bucket, this.keyCodec.encode(key));
  }

  async get(key: K): Promise<V | undefined> {
    const raw = await this.kv.get(this.dbKey(key));
    return raw === undefined ? undefined : this.valueCodec.decode(raw);
  }

  async getMany(keys: readonly K[]): Promise<(V | undefined)[]> {
    const raws = await this.kv.getMany(keys.map((k) => this.dbKey(k)));
    return raws.map((r) => (r === undefined ? undefined : this.valueCodec.decode(r)));
  }

  async has(key: K): Promise<boolean> {
    return this.kv.has(this.dbKey(key));
  }

  put(key: K, value: V): BatchOp {
    return { type: "put", key: this.dbKey(key), value: this.valueCodec.encode(value) };
  }

  del(key: K): BatchOp {
    return { type: "del", key: this.dbKey(key) };
  }

  /** Entries in key order, restricted to this bucket whatever the bounds. */
  async *entries(range: RepositoryRange<K> = {}): AsyncIterable<[K, V]> {
    const whole = bucketRange(this.bucket);
    const it = this.kv.iterate({
      gte: range.gte === undefined ? whole.gte : this.dbKey(range.gte),
      lt: range.lt === undefined ? whole.lt : this.dbKey(range.lt),
      reverse: range.reverse,
      limit: range.limit,
    });
    for await (const [k, v] of it) yield [this.keyCodec.decode(k.subarray(1)), this.valueCodec.decode(v)];
  }
}

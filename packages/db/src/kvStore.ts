/** One write of an atomic batch; keys already carry their bucket prefix. */
export type BatchOp = { type: "put"; key: Uint8Array; value: Uint8Array } | { type: "del"; key: Uint8Array };

/** Key range of an iteration, compared bytewise; `lt` is exclusive so a bucket scan is `[b] .. [b+1]`. */
export interface IterateOptions {
  gte?: Uint8Array;
  lt?: Uint8Array;
  reverse?: boolean;
  limit?: number;
}

/**
 * The byte-level store every persistent component builds on. Deliberately small so that LevelDB and
 * the in-memory twin behave the same, and so that callers cannot write outside an atomic batch.
 */
export interface KvStore {
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]>;
  has(key: Uint8Array): Promise<boolean>;
  /** All ops are applied or none; later ops on the same key win. */
  batch(ops: readonly BatchOp[]): Promise<void>;
  iterate(opts?: IterateOptions): AsyncIterable<[Uint8Array, Uint8Array]>;
  close(): Promise<void>;
}

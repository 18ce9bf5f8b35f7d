/**
 * One-byte key prefixes of the single LevelDB. Ids are part of the on-disk format: never renumber or
 * reuse one, only append.
 */
export enum Bucket {
  /** block hash → RLP header */
  header = 1,
  /** block hash → RLP body */
  body = 2,
  /** block hash → receipts */
  receipts = 3,
  /** uint64 number → canonical block hash */
  canonical = 4,
  /** block hash → uint64 number */
  headerNumber = 5,
  /** tx hash → lookup entry */
  txLookup = 6,
  /** utf8 name (head, genesis…) → value */
  meta = 7,
  /** node hash → RLP trie node */
  trieNode = 8,
  /** code hash → contract code */
  code = 9,
  governance = 10,
  snapshot = 11,
}

export function bucketKey(bucket: Bucket, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out[0] = bucket;
  out.set(key, 1);
  return out;
}

/** The `[gte, lt)` range covering every key of a bucket. */
export function bucketRange(bucket: Bucket): { gte: Uint8Array; lt: Uint8Array } {
  return { gte: Uint8Array.of(bucket), lt: Uint8Array.of(bucket + 1) };
}

import { Bucket, bucketKey, type KvStore } from "@knode/db";
import type { TrieNodeReader } from "./merkleTrie.js";

/** Reads nodes where TrieNodeStore writes them (`trieNode` bucket ‖ hash), so existing datadirs open as-is. */
export function kvTrieNodeReader(kv: KvStore): TrieNodeReader {
  return { getNode: (hash) => kv.get(bucketKey(Bucket.trieNode, hash)) };
}

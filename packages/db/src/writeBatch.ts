import type { BatchOp, KvStore } from "./kvStore.js";
import type { Repository } from "./repository.js";

/** Collects ops from several repositories (and raw ops, e.g. trie nodes) and writes them in one atomic batch. */
export class WriteBatch {
  private ops: BatchOp[] = [];

  constructor(private readonly kv: KvStore) {}

  get length(): number {
    return this.ops.length;
  }

  put<K, V>(repo: Repository<K, V>, key: K, value: V): this {
    this.ops.push(repo.put(key, value));
    return this;
  }

  del<K, V>(repo: Repository<K, V>, key: K): this {
    this.ops.push(repo.del(key));
    return this;
  }

  push(...ops: BatchOp[]): this {
    for (const op of ops) this.ops.push(op);
    return this;
  }

  /** For large op lists (trie nodes): spread arguments would hit the engine's argument limit. */
  pushAll(ops: Iterable<BatchOp>): this {
    for (const op of ops) this.ops.push(op);
    return this;
  }

  /** Writes everything collected so far; on failure the ops are kept so the caller may retry. */
  async commit(): Promise<void> {
    const ops = this.ops;
    await this.kv.batch(ops);
    if (this.ops === ops) this.ops = [];
  }
}

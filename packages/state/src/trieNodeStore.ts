import type { BatchDBOp, DB } from "@ethereumjs/util";
import { type BatchOp, Bucket, type KvStore } from "@knode/db";

/** Hex length of `'c' ‖ codeHash`, the key @ethereumjs/statemanager stores code under. */
const CODE_KEY_HEX_LENGTH = 66;
const CODE_PREFIX_HEX = "63";

/**
 * MPT talks to its backend in unprefixed-hex string keys (its CheckpointDB converts every key once), so the
 * overlay keeps them as Map keys and only the LevelDB boundary converts to bytes. Contract code
 * (`'c' ‖ hash`) is routed to the `code` bucket under the bare hash, trie nodes to `trieNode`.
 */
export function trieDbKey(hexKey: string): Uint8Array {
  const isCode = hexKey.length === CODE_KEY_HEX_LENGTH && hexKey.startsWith(CODE_PREFIX_HEX);
  const hex = isCode ? hexKey.slice(2) : hexKey;
  const out = Buffer.allocUnsafe(1 + hex.length / 2);
  out[0] = isCode ? Bucket.code : Bucket.trieNode;
  out.write(hex, 1, "hex");
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function isCodeKey(hexKey: string): boolean {
  return hexKey.length === CODE_KEY_HEX_LENGTH && hexKey.startsWith(CODE_PREFIX_HEX);
}

function toBytes(v: string | Uint8Array): Uint8Array {
  if (typeof v !== "string") return v;
  const b = Buffer.from(v, "hex");
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

type Layer = Map<string, Uint8Array | undefined>;

/**
 * The @ethereumjs/util `DB` behind MPT and the state manager. Nothing reaches LevelDB from here: writes
 * collect in an overlay that `takePendingOps` hands back as BatchOps, so a block's trie nodes are written in
 * the same atomic batch as its header, body and receipts.
 */
export class TrieNodeStore implements DB<string, string | Uint8Array> {
  /** Writes since the last takePendingOps; `undefined` marks a delete. */
  private pending: Layer = new Map();
  /** Writes already handed out but maybe not yet on disk; still served to readers of this store. */
  private committed: Layer = new Map();

  constructor(readonly kv: KvStore) {}

  get pendingSize(): number {
    return this.pending.size;
  }

  /** A pending write, for reachability walks before the overlay is taken. */
  pendingValue(hexKey: string): Uint8Array | undefined {
    return this.pending.get(hexKey);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const p = this.pending;
    if (p.has(key)) return p.get(key);
    const c = this.committed;
    if (c.has(key)) return c.get(key);
    return this.kv.get(trieDbKey(key));
  }

  async put(key: string, val: string | Uint8Array): Promise<void> {
    this.pending.set(key, toBytes(val));
  }

  async del(key: string): Promise<void> {
    this.pending.set(key, undefined);
  }

  async batch(ops: BatchDBOp<string, string | Uint8Array>[]): Promise<void> {
    const p = this.pending;
    for (const op of ops) {
      if (op.type === "put") p.set(op.key, toBytes(op.value));
      else p.set(op.key, undefined);
    }
  }

  /** MPT shallow-copies its DB for every storage trie; they must all share this one overlay. */
  shallowCopy(): TrieNodeStore {
    return this;
  }

  async open(): Promise<void> {}

  /**
   * Returns the overlay as bucketed BatchOps and starts a new one. `keep` filters out entries (e.g. nodes
   * of intermediate roots no committed state references). Taken entries stay readable here until
   * `releaseCommitted`, so the owner may keep using this store before its batch is written.
   */
  takePendingOps(keep?: (hexKey: string) => boolean): BatchOp[] {
    const ops: BatchOp[] = [];
    const taken = this.pending;
    this.pending = new Map();
    for (const [k, v] of taken) {
      if (keep !== undefined && !keep(k)) continue;
      this.committed.set(k, v);
      ops.push(v === undefined ? { type: "del", key: trieDbKey(k) } : { type: "put", key: trieDbKey(k), value: v });
    }
    return ops;
  }

  /** Drops the taken entries once the caller knows its batch is on disk. */
  releaseCommitted(): void {
    this.committed = new Map();
  }
}

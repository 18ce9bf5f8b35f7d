import { bytesKey, equalBytes } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import { Bucket, bucketKey, type KvStore } from "@knode/db";
import { kvTrieNodeReader } from "../trie/kvTrieNodeReader.js";
import { MerkleTrie, type TrieNodeReader } from "../trie/merkleTrie.js";
import { EMPTY_TRIE_ROOT } from "../trieRoot.js";
import { decodeAccount, decodeStorageValue, type FlatAccount } from "./accountRlp.js";

const EMPTY = new Uint8Array(0);

/** One account's storage as of the head: its trie and the words already read or written. */
export interface StorageView {
  readonly root: Uint8Array;
  readonly trie: MerkleTrie;
  readonly slots: Map<string, Uint8Array>;
}

export interface HeadStateOptions {
  /** Cached accounts (and their storage views) kept across blocks; beyond it the caches start over. */
  maxCachedAccounts: number;
  /** Trie nodes kept resolved in memory across blocks; beyond it the trie is reopened from its root. */
  maxResolvedTrieNodes: number;
  /** Storage words kept across blocks (all accounts together). */
  maxCachedSlots: number;
  maxCachedCode: number;
}

export const defaultHeadStateOptions: HeadStateOptions = {
  maxCachedAccounts: 500_000,
  maxResolvedTrieNodes: 2_000_000,
  maxCachedSlots: 2_000_000,
  maxCachedCode: 2_000,
};

/**
 * The state at one root with everything read so far kept in memory: the account trie (resolved nodes
 * stay resolved), decoded accounts, storage tries and words, code. Block states read through it; only
 * `FlatStateStore.advance` changes it, after a block's batch is on disk, so it always matches `root`.
 */
export class HeadState {
  readonly accounts = new Map<string, FlatAccount | null>();
  readonly storage = new Map<string, StorageView>();
  readonly code = new Map<string, Uint8Array>();

  constructor(
    readonly kv: KvStore,
    readonly reader: TrieNodeReader,
    public root: Uint8Array,
    public accountTrie: MerkleTrie,
    /** Bumped on every advance, so a block state can tell that its base moved under it. */
    public generation: number,
  ) {}

  static cold(kv: KvStore, root: Uint8Array, generation: number): HeadState {
    const reader = kvTrieNodeReader(kv);
    return new HeadState(kv, reader, root, new MerkleTrie(reader, root), generation);
  }

  /**
   * The account at this head's root. Readers outside the chain's write lock (the pool, RPC) may race an
   * advance: they still get the value at the root they started on, but it is cached only if the head
   * did not move meanwhile.
   */
  async account(key: string, addr: Uint8Array): Promise<FlatAccount | null> {
    const cached = this.accounts.get(key);
    if (cached !== undefined) return cached;
    const generation = this.generation;
    const raw = await this.accountTrie.get(keccak256(addr));
    const acc = raw === undefined ? null : decodeAccount(raw);
    if (this.generation === generation) this.accounts.set(key, acc);
    return acc;
  }

  /** The storage view of an account whose storage root is `root` here. */
  storageView(key: string, root: Uint8Array): StorageView {
    let view = this.storage.get(key);
    if (view === undefined || (view.root !== root && !equalBytes(view.root, root))) {
      view = { root, trie: new MerkleTrie(this.reader, root), slots: new Map() };
      this.storage.set(key, view);
    }
    return view;
  }

  async storageWord(key: string, addr: Uint8Array, slotKey: string, slot: Uint8Array): Promise<Uint8Array> {
    const acc = await this.account(key, addr);
    if (acc === null || equalBytes(acc.storageRoot, EMPTY_TRIE_ROOT)) return EMPTY;
    const view = this.storageView(key, acc.storageRoot);
    const cached = view.slots.get(slotKey);
    if (cached !== undefined) return cached;
    const generation = this.generation;
    const raw = await view.trie.get(keccak256(slot));
    const value = raw === undefined ? EMPTY : decodeStorageValue(raw);
    if (this.generation === generation) view.slots.set(slotKey, value);
    return value;
  }

  async codeByHash(hash: Uint8Array): Promise<Uint8Array | undefined> {
    const k = bytesKey(hash);
    const cached = this.code.get(k);
    if (cached !== undefined) return cached;
    const code = await this.kv.get(bucketKey(Bucket.code, hash));
    if (code !== undefined) this.code.set(k, code);
    return code;
  }
}

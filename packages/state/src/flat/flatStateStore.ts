import { bytesKey, equalBytes } from "@knode/common";
import type { KvStore } from "@knode/db";
import { MerkleTrie } from "../trie/merkleTrie.js";
import type { FlatAccount } from "./accountRlp.js";
import { BlockState, type FinalizedState } from "./blockState.js";
import { defaultHeadStateOptions, HeadState, type HeadStateOptions } from "./headState.js";

export interface FlatStateStoreModules {
  kv: KvStore;
}

/**
 * The execution state of the chain's head, kept warm across blocks. Blocks execute on `open(root)`; once a
 * block's batch is on disk, `advance` folds its changes into the head so the next block starts from
 * memory instead of the trie. Callers serialise open/finalize/advance (the chain's write lock does).
 */
export class FlatStateStore {
  private head: HeadState | undefined;
  private generation = 0;
  private readonly opts: HeadStateOptions;

  constructor(
    opts: Partial<HeadStateOptions>,
    private readonly modules: FlatStateStoreModules,
  ) {
    this.opts = { ...defaultHeadStateOptions, ...opts };
  }

  /** A fresh block state on `root`: the warm head when it is at that root, a cold view otherwise. */
  open(root: Uint8Array): BlockState {
    if (this.head === undefined || !equalBytes(this.head.root, root)) {
      this.head = HeadState.cold(this.modules.kv, root, ++this.generation);
    }
    return new BlockState(this.head);
  }

  /**
   * The account at `root` read from the warm head, or undefined when the head is at another root (the
   * caller falls back to the trie). Safe outside the write lock: a racing advance cannot poison the cache.
   */
  async headAccount(root: Uint8Array, addr: Uint8Array): Promise<FlatAccount | null | undefined> {
    const head = this.head;
    if (head === undefined || !equalBytes(head.root, root)) return undefined;
    return head.account(bytesKey(addr), addr);
  }

  /** Makes a written block's state the head. A result built on anything but the current head resets it. */
  advance(f: FinalizedState): void {
    const head = this.head;
    if (head === undefined || head.generation !== f.baseGeneration || !equalBytes(head.root, f.parentRoot)) {
      this.head = undefined;
      return;
    }
    head.generation = ++this.generation;
    head.root = f.root;
    head.accountTrie = f.accountTrie;
    for (const [k, a] of f.accounts) {
      head.accounts.set(k, a);
      if (a === null) head.storage.delete(k);
    }
    for (const [k, s] of f.storage) {
      const prev = head.storage.get(k);
      // Words the block did not write are those of the trie it started from; cached words of any other
      // trie (a cleared or re-created account) must not leak into the new view.
      const reuse = prev !== undefined && !s.overlay.cleared && equalBytes(prev.root, s.baseRoot);
      const slots = reuse ? prev.slots : new Map<string, Uint8Array>();
      for (const [slot, v] of s.overlay.slots) slots.set(slot, v);
      head.storage.set(k, { root: s.root, trie: s.trie, slots });
    }
    for (const [k, code] of f.code) head.code.set(k, code);
    this.bound(head);
  }

  /** Caches only grow while blocks run; past the limits they start over from what is on disk. */
  private bound(head: HeadState): void {
    let slots = 0;
    for (const view of head.storage.values()) slots += view.slots.size;
    if (head.accounts.size > this.opts.maxCachedAccounts || slots > this.opts.maxCachedSlots) {
      head.accounts.clear();
      head.storage.clear();
    }
    if (head.accountTrie.resolvedNodes > this.opts.maxResolvedTrieNodes) {
      head.accountTrie = new MerkleTrie(head.reader, head.root);
      head.storage.clear();
    }
    if (head.code.size > this.opts.maxCachedCode) head.code.clear();
  }
}

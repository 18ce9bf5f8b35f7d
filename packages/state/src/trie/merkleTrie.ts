import { bytesToHex, equalBytes } from "@knode/common";
import { StateError, StateErrorCode } from "../errors.js";
import { EMPTY_TRIE_ROOT } from "../trieRoot.js";
import { decodeNode, encodeNode, hashNode } from "./nodeCodec.js";
import {
  BRANCH,
  commonPrefix,
  EXTENSION,
  HASH,
  HashRef,
  LEAF,
  type ResolvedNode,
  type TrieNode,
  toNibbles,
} from "./trieNode.js";
import { deleteNode, insertNode, NeedsNode } from "./trieUpdate.js";

/** Node loads under way, by reference (shared by every trie holding it). */
const inFlight = new WeakMap<HashRef, Promise<void>>();

/** Where committed nodes live: node RLP by its 32-byte keccak hash. */
export interface TrieNodeReader {
  getNode(hash: Uint8Array): Promise<Uint8Array | undefined>;
}

/**
 * A Merkle-Patricia trie updated in memory and hashed on demand: puts and deletes copy the nodes on the
 * key's path and hash nothing; rootHash/commit encode and hash only nodes built since they were last
 * hashed. Keys are raw bytes (secure tries hash them before calling). Values returned by get may be views
 * into node RLP: callers must not mutate them.
 *
 * The `stored` mark on a node is shared by every copy holding it: once any copy's commit emitted a node,
 * no copy emits it again, so all copies must commit into the same store.
 */
export class MerkleTrie {
  private root: TrieNode | undefined;
  private resolvedCount = 0;

  constructor(
    private readonly reader: TrieNodeReader,
    root: Uint8Array,
  ) {
    this.root = equalBytes(root, EMPTY_TRIE_ROOT) ? undefined : new HashRef(root);
  }

  /** Number of node objects loaded or built by this trie (and the one it was copied from); never decreases. */
  get resolvedNodes(): number {
    return this.resolvedCount;
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.valueAt(toNibbles(key));
  }

  /** The value at a nibble path, loading the unresolved nodes on the way. */
  private async valueAt(nib: Uint8Array): Promise<Uint8Array | undefined> {
    for (;;) {
      const r = this.lookup(nib);
      if (!(r instanceof HashRef)) return r;
      await this.load(r);
    }
  }

  /** An empty value deletes (Ethereum semantics). No hashing here. */
  async put(key: Uint8Array, value: Uint8Array): Promise<void> {
    if (value.length === 0) return this.del(key);
    const nib = toNibbles(key);
    const r = await this.valueAt(nib);
    // Rewriting a value with itself would dirty the whole path for an unchanged root.
    if (r !== undefined && equalBytes(r, value)) return;
    this.root = insertNode(this.root, nib, 0, value);
    // A new key adds a leaf and usually a branch; an update only replaces nodes.
    if (r === undefined) this.resolvedCount += 2;
  }

  async del(key: Uint8Array): Promise<void> {
    const nib = toNibbles(key);
    if ((await this.valueAt(nib)) === undefined) return;
    for (;;) {
      try {
        this.root = deleteNode(this.root, nib, 0);
        return;
      } catch (e) {
        // A branch left with one child merges with it, and that sibling was never loaded.
        if (!(e instanceof NeedsNode)) throw e;
        await this.load(e.ref);
      }
    }
  }

  /** O(1) independent copy sharing all nodes. */
  copy(): MerkleTrie {
    const c = new MerkleTrie(this.reader, EMPTY_TRIE_ROOT);
    c.root = this.root;
    c.resolvedCount = this.resolvedCount;
    return c;
  }

  /** Hash of the current root, hashing only nodes changed since they were last hashed; emits nothing. */
  rootHash(): Uint8Array {
    const root = this.root;
    if (root === undefined) return EMPTY_TRIE_ROOT;
    if (root.kind === HASH) return root.resolved === undefined ? root.hash : hashNode(root.resolved);
    return hashNode(root);
  }

  /**
   * Hashes dirty nodes and emits every node not yet stored that a reader needs to reopen this root: nodes
   * of 32+ bytes (smaller ones live inside their parent) and the root itself. Returns the root hash.
   */
  commit(emit: (hash: Uint8Array, rlp: Uint8Array) => void): Uint8Array {
    const hash = this.rootHash();
    const root = this.root;
    if (root !== undefined) emitNew(root, true, emit);
    return hash;
  }

  /**
   * Follows `nib` from the root. Returns the value, undefined when absent, or the first HashRef on the
   * path that still needs loading. Resolved HashRefs met on the way are swapped into their parent's slot.
   */
  private lookup(nib: Uint8Array): Uint8Array | HashRef | undefined {
    let node = this.root;
    if (node?.kind === HASH) {
      if (node.resolved === undefined) return node;
      node = this.root = node.resolved;
    }
    let pos = 0;
    while (node !== undefined) {
      let next: TrieNode | undefined;
      if (node.kind === BRANCH) {
        if (pos === nib.length) return node.value;
        const i = nib[pos++];
        next = node.children[i];
        if (next?.kind === HASH) {
          if (next.resolved === undefined) return next;
          next = node.children[i] = next.resolved;
        }
      } else if (node.kind === LEAF) {
        const path = node.path;
        return path.length === nib.length - pos && commonPrefix(path, nib, pos) === path.length
          ? node.value
          : undefined;
      } else if (node.kind === EXTENSION) {
        const path = node.path;
        if (commonPrefix(path, nib, pos) !== path.length) return undefined;
        pos += path.length;
        next = node.child;
        if (next.kind === HASH) {
          if (next.resolved === undefined) return next;
          next = node.child = next.resolved;
        }
      } else {
        return node;
      }
      node = next;
    }
    return undefined;
  }

  /** Loads `ref` once even when many lookups (a block's prefetch) reach it at the same time. */
  private load(ref: HashRef): Promise<void> {
    let loading = inFlight.get(ref);
    if (loading === undefined) {
      loading = this.fetch(ref).finally(() => inFlight.delete(ref));
      inFlight.set(ref, loading);
    }
    return loading;
  }

  private async fetch(ref: HashRef): Promise<void> {
    const rlp = await this.reader.getNode(ref.hash);
    if (rlp === undefined) {
      throw new StateError({ code: StateErrorCode.MISSING_TRIE_NODE, hash: bytesToHex(ref.hash) });
    }
    // A concurrent get may have loaded it meanwhile; keep the first so every holder sees one object.
    if (ref.resolved !== undefined) return;
    const node = decodeNode(rlp);
    node.hash = ref.hash;
    node.stored = true;
    ref.resolved = node;
    this.resolvedCount++;
  }
}

/** Emits the unstored nodes under `node` children first, so a sink never holds a parent without its children. */
function emitNew(node: TrieNode, isRoot: boolean, emit: (hash: Uint8Array, rlp: Uint8Array) => void): void {
  let n: ResolvedNode;
  if (node.kind === HASH) {
    if (node.resolved === undefined) return;
    n = node.resolved;
  } else {
    n = node;
  }
  if (n.stored) return;
  if (n.kind === BRANCH) {
    const children = n.children;
    for (let i = 0; i < 16; i++) {
      const c = children[i];
      if (c !== undefined) emitNew(c, false, emit);
    }
  } else if (n.kind === EXTENSION) {
    emitNew(n.child, false, emit);
  }
  const rlp = encodeNode(n);
  if (rlp.length >= 32 || isRoot) {
    emit(hashNode(n), rlp);
    n.stored = true;
  }
}

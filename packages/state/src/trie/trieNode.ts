/**
 * Trie node objects. They are immutable once built (updates copy the path), so snapshots can share them;
 * the only writes after construction are caches (`rlp`, `hash`, `stored`) and swapping a resolved HashRef
 * into its parent's slot, neither of which changes what the node means.
 */

export const LEAF = 0;
export const EXTENSION = 1;
export const BRANCH = 2;
export const HASH = 3;

abstract class NodeBase {
  /** RLP of this node, once computed or as read. */
  rlp: Uint8Array | undefined = undefined;
  /** keccak256(rlp), computed only when a parent must reference it by hash or it is the root. */
  hash: Uint8Array | undefined = undefined;
  /** The reader (or a sink fed by an earlier commit) holds this node under its hash, with all it references. */
  stored = false;
}

export class LeafNode extends NodeBase {
  readonly kind = LEAF;
  constructor(
    /** Remaining key nibbles, one per byte. */
    readonly path: Uint8Array,
    readonly value: Uint8Array,
  ) {
    super();
  }
}

export class ExtensionNode extends NodeBase {
  readonly kind = EXTENSION;
  constructor(
    readonly path: Uint8Array,
    /** Writable only to swap a HashRef for the node it resolved to. */
    public child: TrieNode,
  ) {
    super();
  }
}

export class BranchNode extends NodeBase {
  readonly kind = BRANCH;
  constructor(
    /** 16 slots; writable only to swap a HashRef for the node it resolved to. */
    readonly children: (TrieNode | undefined)[],
    readonly value: Uint8Array | undefined,
  ) {
    super();
  }
}

/** A node known only by hash until first access; `resolved` is shared by every trie copy holding it. */
export class HashRef {
  readonly kind = HASH;
  resolved: ResolvedNode | undefined = undefined;
  constructor(readonly hash: Uint8Array) {}
}

export type ResolvedNode = LeafNode | ExtensionNode | BranchNode;
export type TrieNode = ResolvedNode | HashRef;

/** The node behind `n`, or `n` itself when it is a HashRef nobody has loaded yet. */
export function deref(n: TrieNode): TrieNode {
  return n.kind === HASH && n.resolved !== undefined ? n.resolved : n;
}

export function toNibbles(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length * 2);
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = key[i] >> 4;
    out[2 * i + 1] = key[i] & 15;
  }
  return out;
}

/** Length of the common prefix of `path` and `nib[pos..]`. */
export function commonPrefix(path: Uint8Array, nib: Uint8Array, pos: number): number {
  const max = Math.min(path.length, nib.length - pos);
  let i = 0;
  while (i < max && path[i] === nib[pos + i]) i++;
  return i;
}

/** `head ‖ tail` as nibbles, `head` being a single nibble or a path. */
export function joinPath(head: number | Uint8Array, tail: Uint8Array): Uint8Array {
  if (typeof head === "number") {
    const out = new Uint8Array(tail.length + 1);
    out[0] = head;
    out.set(tail, 1);
    return out;
  }
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

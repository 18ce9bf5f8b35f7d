import {
  BRANCH,
  BranchNode,
  commonPrefix,
  deref,
  EXTENSION,
  ExtensionNode,
  HASH,
  type HashRef,
  joinPath,
  LEAF,
  LeafNode,
  type TrieNode,
} from "./trieNode.js";

/** Thrown by the pure updates when they need a node nobody has loaded; the caller loads it and retries. */
export class NeedsNode {
  constructor(readonly ref: HashRef) {}
}

function resolved(n: TrieNode): Exclude<TrieNode, HashRef> {
  const d = deref(n);
  if (d.kind === HASH) throw new NeedsNode(d);
  return d;
}

const EMPTY = new Uint8Array(0);

/**
 * Returns the node for `node` with `nib[pos..]` set to `value` (non-empty), copying only the path.
 * Every node on the key's path must already be resolved.
 */
export function insertNode(node: TrieNode | undefined, nib: Uint8Array, pos: number, value: Uint8Array): TrieNode {
  if (node === undefined) return new LeafNode(nib.subarray(pos), value);
  const n = resolved(node);
  if (n.kind === BRANCH) {
    const children = n.children.slice();
    if (pos === nib.length) return new BranchNode(children, value);
    const i = nib[pos];
    const child = children[i];
    children[i] = insertNode(child === undefined ? undefined : deref(child), nib, pos + 1, value);
    return new BranchNode(children, n.value);
  }
  const path = n.path;
  const common = commonPrefix(path, nib, pos);
  if (n.kind === LEAF && common === path.length && pos + common === nib.length) {
    return new LeafNode(path, value);
  }
  if (n.kind === EXTENSION && common === path.length) {
    return new ExtensionNode(path, insertNode(deref(n.child), nib, pos + common, value));
  }
  // The paths diverge after `common` nibbles: a branch there holds the old node's rest and the new key's.
  const children: (TrieNode | undefined)[] = new Array(16);
  let branchValue: Uint8Array | undefined;
  if (n.kind === LEAF) {
    if (common === path.length) branchValue = n.value;
    else children[path[common]] = new LeafNode(path.subarray(common + 1), n.value);
  } else {
    children[path[common]] =
      common + 1 === path.length ? n.child : new ExtensionNode(path.subarray(common + 1), n.child);
  }
  const rest = pos + common;
  if (rest === nib.length) branchValue = value;
  else children[nib[rest]] = new LeafNode(nib.subarray(rest + 1), value);
  const branch = new BranchNode(children, branchValue);
  return common === 0 ? branch : new ExtensionNode(path.subarray(0, common), branch);
}

/** `path ‖ child`, merging the paths when the child is a leaf or an extension (no extension points at those). */
function prefixed(path: Uint8Array | number, child: TrieNode): TrieNode {
  const c = resolved(child);
  if (c.kind === LEAF) return new LeafNode(joinPath(path, c.path), c.value);
  if (c.kind === EXTENSION) return new ExtensionNode(joinPath(path, c.path), c.child);
  return new ExtensionNode(typeof path === "number" ? Uint8Array.of(path) : path, c);
}

/** A branch that lost an entry: kept if it still has two, else collapsed into its only remaining entry. */
function normalizeBranch(children: (TrieNode | undefined)[], value: Uint8Array | undefined): TrieNode {
  let count = value === undefined ? 0 : 1;
  let only = -1;
  for (let i = 0; i < 16; i++) {
    if (children[i] !== undefined) {
      count++;
      only = i;
    }
  }
  if (count >= 2) return new BranchNode(children, value);
  if (only < 0) return new LeafNode(EMPTY, value as Uint8Array);
  return prefixed(only, children[only] as TrieNode);
}

/**
 * Returns the node for `node` without key `nib[pos..]`: the same object when the key is absent, undefined
 * when nothing is left. May throw NeedsNode for a sibling that a collapsing branch merges with.
 */
export function deleteNode(node: TrieNode | undefined, nib: Uint8Array, pos: number): TrieNode | undefined {
  if (node === undefined) return undefined;
  const n = resolved(node);
  if (n.kind === BRANCH) {
    if (pos === nib.length) {
      return n.value === undefined ? n : normalizeBranch(n.children.slice(), undefined);
    }
    const i = nib[pos];
    const slot = n.children[i];
    if (slot === undefined) return n;
    const child = deref(slot);
    const updated = deleteNode(child, nib, pos + 1);
    if (updated === child) return n;
    const children = n.children.slice();
    children[i] = updated;
    return updated === undefined ? normalizeBranch(children, n.value) : new BranchNode(children, n.value);
  }
  const path = n.path;
  const common = commonPrefix(path, nib, pos);
  if (common !== path.length) return n;
  if (n.kind === LEAF) return pos + common === nib.length ? undefined : n;
  const child = deref(n.child);
  const updated = deleteNode(child, nib, pos + common);
  if (updated === child) return n;
  return updated === undefined ? undefined : prefixed(path, updated);
}

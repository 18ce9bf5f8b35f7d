import { keccak256 } from "@knode/crypto";
import { StateError, StateErrorCode } from "../errors.js";
import {
  BranchNode,
  EXTENSION,
  ExtensionNode,
  HASH,
  HashRef,
  LEAF,
  LeafNode,
  type ResolvedNode,
  type TrieNode,
} from "./trieNode.js";

/** Bytes of the RLP header for a payload of `len` bytes. */
function headerLength(len: number): number {
  if (len < 56) return 1;
  let n = 1;
  for (let v = len; v > 255; v = Math.floor(v / 256)) n++;
  return 1 + n;
}

function writeHeader(out: Uint8Array, off: number, len: number, base: number): number {
  if (len < 56) {
    out[off] = base + len;
    return off + 1;
  }
  const n = headerLength(len) - 1;
  out[off] = base + 55 + n;
  for (let i = n, v = len; i > 0; i--, v = Math.floor(v / 256)) out[off + i] = v & 255;
  return off + 1 + n;
}

function stringLength(b: Uint8Array): number {
  return b.length === 1 && b[0] < 0x80 ? 1 : headerLength(b.length) + b.length;
}

function writeString(out: Uint8Array, off: number, b: Uint8Array): number {
  if (b.length === 1 && b[0] < 0x80) {
    out[off] = b[0];
    return off + 1;
  }
  const o = writeHeader(out, off, b.length, 0x80);
  out.set(b, o);
  return o + b.length;
}

/** RLP length of the hex-prefix encoding of a path: its first byte is < 0x80, so one byte needs no header. */
function pathLength(path: Uint8Array): number {
  const n = 1 + (path.length >> 1);
  return n === 1 ? 1 : n + 1;
}

/** Writes rlp(hexPrefix(path, leaf)). Paths are at most a few dozen bytes, so the header is one byte. */
function writePath(out: Uint8Array, off: number, path: Uint8Array, leaf: boolean): number {
  const n = 1 + (path.length >> 1);
  let o = off;
  if (n > 1) out[o++] = 0x80 + n;
  const odd = path.length & 1;
  const flag = (leaf ? 2 : 0) + odd;
  let i = 0;
  out[o++] = odd ? (flag << 4) | path[i++] : flag << 4;
  for (; i < path.length; i += 2) out[o++] = (path[i] << 4) | path[i + 1];
  return o;
}

/** RLP bytes of a reference to `child`, encoding (and hashing if needed) any child not yet encoded. */
function refLength(child: TrieNode | undefined): number {
  if (child === undefined) return 1;
  if (child.kind === HASH) {
    if (child.resolved === undefined) return 33;
    return refLength(child.resolved);
  }
  const rlp = encodeNode(child);
  if (rlp.length < 32) return rlp.length;
  if (child.hash === undefined) child.hash = keccak256(rlp);
  return 33;
}

/** Writes a reference whose length `refLength` already computed (so caches are filled). */
function writeRef(out: Uint8Array, off: number, child: TrieNode | undefined): number {
  if (child === undefined) {
    out[off] = 0x80;
    return off + 1;
  }
  const node = child.kind === HASH && child.resolved !== undefined ? child.resolved : child;
  if (node.kind !== HASH && (node.rlp as Uint8Array).length < 32) {
    const rlp = node.rlp as Uint8Array;
    out.set(rlp, off);
    return off + rlp.length;
  }
  out[off] = 0xa0;
  out.set(node.hash as Uint8Array, off + 1);
  return off + 33;
}

/** RLP of `node`, computed once: encoding a dirty node encodes and hashes its dirty descendants. */
export function encodeNode(node: ResolvedNode): Uint8Array {
  if (node.rlp !== undefined) return node.rlp;
  let out: Uint8Array;
  if (node.kind === LEAF) {
    const payload = pathLength(node.path) + stringLength(node.value);
    out = new Uint8Array(headerLength(payload) + payload);
    const o = writePath(out, writeHeader(out, 0, payload, 0xc0), node.path, true);
    writeString(out, o, node.value);
  } else if (node.kind === EXTENSION) {
    const payload = pathLength(node.path) + refLength(node.child);
    out = new Uint8Array(headerLength(payload) + payload);
    const o = writePath(out, writeHeader(out, 0, payload, 0xc0), node.path, false);
    writeRef(out, o, node.child);
  } else {
    const children = node.children;
    let payload = node.value === undefined ? 1 : stringLength(node.value);
    for (let i = 0; i < 16; i++) payload += refLength(children[i]);
    out = new Uint8Array(headerLength(payload) + payload);
    let o = writeHeader(out, 0, payload, 0xc0);
    for (let i = 0; i < 16; i++) o = writeRef(out, o, children[i]);
    if (node.value === undefined) out[o] = 0x80;
    else writeString(out, o, node.value);
  }
  node.rlp = out;
  return out;
}

/** keccak256 of the node's RLP, cached. */
export function hashNode(node: ResolvedNode): Uint8Array {
  if (node.hash === undefined) node.hash = keccak256(encodeNode(node));
  return node.hash;
}

function invalid(reason: string): StateError {
  return new StateError({ code: StateErrorCode.INVALID_TRIE_NODE, reason });
}

// Result of readItem, kept in module state so the decoder allocates nothing per item.
let itemStart = 0;
let itemEnd = 0;
let itemIsList = false;

/** Reads the RLP item header at `off`, sets item bounds, returns the offset after the item. */
function readItem(buf: Uint8Array, off: number, limit: number): number {
  if (off >= limit) throw invalid("truncated");
  const b = buf[off];
  if (b < 0x80) {
    itemStart = off;
    itemEnd = off + 1;
    itemIsList = false;
  } else if (b < 0xb8 || (b >= 0xc0 && b < 0xf8)) {
    itemIsList = b >= 0xc0;
    itemStart = off + 1;
    itemEnd = itemStart + b - (itemIsList ? 0xc0 : 0x80);
  } else {
    itemIsList = b >= 0xf8;
    const n = b - (itemIsList ? 0xf7 : 0xb7);
    let len = 0;
    for (let i = 1; i <= n; i++) len = len * 256 + buf[off + i];
    itemStart = off + 1 + n;
    itemEnd = itemStart + len;
  }
  if (itemEnd > limit) throw invalid("item exceeds its container");
  return itemEnd;
}

function decodePath(buf: Uint8Array, start: number, end: number): Uint8Array {
  if (end <= start) throw invalid("empty path");
  const odd = (buf[start] >> 4) & 1;
  const out = new Uint8Array((end - start - 1) * 2 + odd);
  let o = 0;
  if (odd) out[o++] = buf[start] & 15;
  for (let i = start + 1; i < end; i++) {
    out[o++] = buf[i] >> 4;
    out[o++] = buf[i] & 15;
  }
  return out;
}

/** A child slot: empty, a hash reference, or a small node embedded in the parent's RLP. */
function decodeRef(buf: Uint8Array, start: number, end: number, isList: boolean): TrieNode | undefined {
  if (isList) return decodeNode(buf.subarray(start - headerLength(end - start), end));
  if (end === start) return undefined;
  if (end - start !== 32) throw invalid("child reference is neither a hash nor a node");
  return new HashRef(buf.subarray(start, end));
}

/**
 * Decodes node RLP without copying values (they stay views into `rlp`). Embedded children decode at once;
 * hashed children become HashRefs. The caller marks the result stored when it came from the reader.
 */
export function decodeNode(rlp: Uint8Array): ResolvedNode {
  readItem(rlp, 0, rlp.length);
  if (!itemIsList || itemEnd !== rlp.length) throw invalid("not a single list");
  const limit = itemEnd;
  let off = itemStart;
  off = readItem(rlp, off, limit);
  const s0 = itemStart;
  const e0 = itemEnd;
  const list0 = itemIsList;
  off = readItem(rlp, off, limit);
  if (off === limit) {
    if (list0) throw invalid("path is a list");
    const flag = rlp[s0] >> 4;
    if (flag > 3) throw invalid("bad hex-prefix flag");
    const path = decodePath(rlp, s0, e0);
    let node: ResolvedNode;
    if (flag >= 2) {
      if (itemIsList) throw invalid("leaf value is a list");
      node = new LeafNode(path, rlp.subarray(itemStart, itemEnd));
    } else {
      const child = decodeRef(rlp, itemStart, itemEnd, itemIsList);
      if (child === undefined || path.length === 0) throw invalid("extension without child or path");
      node = new ExtensionNode(path, child);
    }
    node.rlp = rlp;
    return node;
  }
  // decodeRef may recurse and clobber the item state, so each item's bounds are saved before decoding.
  let start = itemStart;
  let end = itemEnd;
  let isList = itemIsList;
  const children: (TrieNode | undefined)[] = new Array(16);
  children[0] = decodeRef(rlp, s0, e0, list0);
  for (let i = 1; i < 16; i++) {
    const cs = start;
    const ce = end;
    const cl = isList;
    off = readItem(rlp, off, limit);
    start = itemStart;
    end = itemEnd;
    isList = itemIsList;
    children[i] = decodeRef(rlp, cs, ce, cl);
  }
  if (off !== limit || isList) throw invalid("branch is not 17 items");
  const node = new BranchNode(children, end > start ? rlp.subarray(start, end) : undefined);
  node.rlp = rlp;
  return node;
}

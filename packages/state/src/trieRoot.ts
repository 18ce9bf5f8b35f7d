import { bytesKey } from "@knode/common";
import { keccak256 } from "@knode/crypto";

/** keccak256(rlp("")): the root of a trie with no entries. */
export const EMPTY_TRIE_ROOT: Uint8Array = Uint8Array.from(
  Buffer.from("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421", "hex"),
);

/** keccak256(""): the code hash of an account without code. */
export const EMPTY_CODE_HASH: Uint8Array = Uint8Array.from(
  Buffer.from("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", "hex"),
);

function lengthBytes(n: number): number[] {
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return out;
}

function header(length: number, offset: number): Uint8Array {
  if (length < 56) return Uint8Array.of(offset + length);
  const len = lengthBytes(length);
  return Uint8Array.of(offset + 55 + len.length, ...len);
}

function encodeString(b: Uint8Array): Uint8Array {
  if (b.length === 1 && b[0] < 0x80) return b;
  const h = header(b.length, 0x80);
  const out = new Uint8Array(h.length + b.length);
  out.set(h);
  out.set(b, h.length);
  return out;
}

function encodeList(items: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const it of items) len += it.length;
  const h = header(len, 0xc0);
  const out = new Uint8Array(h.length + len);
  out.set(h);
  let off = h.length;
  for (const it of items) {
    out.set(it, off);
    off += it.length;
  }
  return out;
}

/** RLP of a non-negative integer index, the key of ordered tries (txRoot, receiptsRoot). */
export function rlpIndex(i: number): Uint8Array {
  if (i === 0) return Uint8Array.of(0x80);
  if (i < 0x80) return Uint8Array.of(i);
  const b = lengthBytes(i);
  return Uint8Array.of(0x80 + b.length, ...b);
}

function toNibbles(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length * 2);
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = key[i] >> 4;
    out[2 * i + 1] = key[i] & 15;
  }
  return out;
}

/** Yellow-paper hex-prefix encoding of a nibble path, flagging leaves and odd lengths. */
function hexPrefix(nibbles: Uint8Array, from: number, to: number, leaf: boolean): Uint8Array {
  const len = to - from;
  const odd = len % 2;
  const out = new Uint8Array(1 + (len >> 1));
  const flag = (leaf ? 2 : 0) + odd;
  let i = from;
  out[0] = odd ? (flag << 4) | nibbles[i++] : flag << 4;
  for (let o = 1; i < to; i += 2, o++) out[o] = (nibbles[i] << 4) | nibbles[i + 1];
  return out;
}

interface Entry {
  nibbles: Uint8Array;
  value: Uint8Array;
}

const EMPTY_STRING_RLP = Uint8Array.of(0x80);

/** How a parent references a child: the node itself when it encodes below 32 bytes, else its hash. */
function reference(encoded: Uint8Array): Uint8Array {
  return encoded.length < 32 ? encoded : encodeString(keccak256(encoded));
}

/** Encodes the node covering entries [lo, hi), all sharing their first `depth` nibbles. */
function encodeNode(entries: Entry[], lo: number, hi: number, depth: number): Uint8Array {
  const first = entries[lo].nibbles;
  if (hi - lo === 1) {
    return encodeList([encodeString(hexPrefix(first, depth, first.length, true)), encodeString(entries[lo].value)]);
  }
  // Sorted input: the prefix shared by all entries is the one shared by the first and the last.
  const last = entries[hi - 1].nibbles;
  let common = depth;
  while (common < first.length && common < last.length && first[common] === last[common]) common++;
  if (common > depth) {
    const child = encodeNode(entries, lo, hi, common);
    return encodeList([encodeString(hexPrefix(first, depth, common, false)), reference(child)]);
  }
  const slots: Uint8Array[] = new Array(17).fill(EMPTY_STRING_RLP);
  let i = lo;
  // A key ending here sorts first and becomes the branch's own value.
  if (first.length === depth) {
    slots[16] = encodeString(entries[lo].value);
    i++;
  }
  while (i < hi) {
    const nib = entries[i].nibbles[depth];
    let j = i + 1;
    while (j < hi && entries[j].nibbles[depth] === nib) j++;
    slots[nib] = reference(encodeNode(entries, i, j, depth + 1));
    i = j;
  }
  return encodeList(slots);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/**
 * Root of the (non-secure) trie holding `entries`, computed bottom-up in one pass so each node is encoded
 * and hashed once, instead of re-hashing the root path on every insert as an MPT would. Later duplicates
 * win and empty values are absent keys, as with MPT put/del.
 */
export function trieRoot(entries: Iterable<readonly [Uint8Array, Uint8Array]>): Uint8Array {
  const byKey = new Map<string, [Uint8Array, Uint8Array]>();
  for (const [k, v] of entries) {
    const id = bytesKey(k);
    if (v.length === 0) byKey.delete(id);
    else byKey.set(id, [k, v]);
  }
  if (byKey.size === 0) return EMPTY_TRIE_ROOT;
  const sorted = [...byKey.values()].sort((a, b) => compareBytes(a[0], b[0]));
  return keccak256(
    encodeNode(
      sorted.map(([k, v]) => ({ nibbles: toNibbles(k), value: v })),
      0,
      sorted.length,
      0,
    ),
  );
}

/** Root of the trie mapping rlp(i) → items[i]: Ethereum/Klaytn txRoot and receiptsRoot. */
export async function orderedTrieRoot(items: readonly Uint8Array[]): Promise<Uint8Array> {
  // rlp(0) = 0x80 sorts after rlp(1..127), so index order is not key order; sort once by key.
  const entries: Entry[] = [];
  for (let i = 0; i < items.length; i++) {
    if (items[i].length > 0) entries.push({ nibbles: toNibbles(rlpIndex(i)), value: items[i] });
  }
  if (entries.length === 0) return EMPTY_TRIE_ROOT;
  entries.sort((a, b) => compareBytes(a.nibbles, b.nibbles));
  return keccak256(encodeNode(entries, 0, entries.length, 0));
}

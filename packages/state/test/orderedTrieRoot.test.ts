import { randomBytes } from "node:crypto";
import { createMPT } from "@ethereumjs/mpt";
import { bytesToHex } from "@knode/common";
import { describe, expect, it } from "vitest";
import { EMPTY_TRIE_ROOT, orderedTrieRoot, rlpIndex, trieRoot } from "../src/index.js";

async function mptOrderedRoot(items: Uint8Array[]): Promise<Uint8Array> {
  const trie = await createMPT();
  for (let i = 0; i < items.length; i++) await trie.put(rlpIndex(i), items[i]);
  return trie.root();
}

function randomItems(n: number, maxLen: number): Uint8Array[] {
  // Sizes from 1 byte (embedded leaves) to large (hashed leaves), like short receipts and long txs.
  return Array.from({ length: n }, (_, i) => new Uint8Array(randomBytes(1 + ((i * 7919) % maxLen))));
}

describe("orderedTrieRoot", () => {
  it("is the empty root for no items", async () => {
    expect(bytesToHex(await orderedTrieRoot([]))).toBe(bytesToHex(EMPTY_TRIE_ROOT));
    expect(bytesToHex(EMPTY_TRIE_ROOT)).toBe(bytesToHex((await createMPT()).root()));
  });

  it("encodes indexes as RLP integers", () => {
    expect(Array.from(rlpIndex(0))).toEqual([0x80]);
    expect(Array.from(rlpIndex(1))).toEqual([1]);
    expect(Array.from(rlpIndex(127))).toEqual([0x7f]);
    expect(Array.from(rlpIndex(128))).toEqual([0x81, 0x80]);
    expect(Array.from(rlpIndex(256))).toEqual([0x82, 1, 0]);
    expect(Array.from(rlpIndex(70_000))).toEqual([0x83, 1, 0x11, 0x70]);
  });

  it.each([1, 2, 3, 16, 127, 128, 129, 255, 256, 257, 1000])("matches MPT for %i items", async (n) => {
    const items = randomItems(n, 200);
    expect(bytesToHex(await orderedTrieRoot(items))).toBe(bytesToHex(await mptOrderedRoot(items)));
  });

  it("matches MPT for tiny items that embed into their parents", async () => {
    const items = Array.from({ length: 300 }, (_, i) => Uint8Array.of(i & 0xff));
    expect(bytesToHex(await orderedTrieRoot(items))).toBe(bytesToHex(await mptOrderedRoot(items)));
  });

  it("handles 5000 items faster than inserting them into an MPT", async () => {
    const items = randomItems(5000, 300);
    const t0 = performance.now();
    const fast = await orderedTrieRoot(items);
    const t1 = performance.now();
    const slow = await mptOrderedRoot(items);
    const t2 = performance.now();
    expect(bytesToHex(fast)).toBe(bytesToHex(slow));
    expect(t1 - t0).toBeLessThan(t2 - t1);
  });
});

describe("trieRoot", () => {
  it("treats empty values as absent and later duplicates as winners", () => {
    const a = Uint8Array.of(1, 2);
    const b = Uint8Array.of(1, 3);
    const withNoise = trieRoot([
      [a, Uint8Array.of(9)],
      [b, Uint8Array.of(5)],
      [a, Uint8Array.of(7)],
      [Uint8Array.of(4), new Uint8Array(0)],
    ]);
    const clean = trieRoot([
      [b, Uint8Array.of(5)],
      [a, Uint8Array.of(7)],
    ]);
    expect(bytesToHex(withNoise)).toBe(bytesToHex(clean));
    expect(bytesToHex(trieRoot([[a, new Uint8Array(0)]]))).toBe(bytesToHex(EMPTY_TRIE_ROOT));
  });

  it("matches MPT for random keys of varied lengths, including keys that prefix others", async () => {
    const trie = await createMPT();
    const entries: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < 400; i++) {
      const key = new Uint8Array(randomBytes(1 + (i % 5)));
      const value = new Uint8Array(randomBytes(1 + ((i * 31) % 70)));
      entries.push([key, value]);
      if (i % 10 === 0) entries.push([key.subarray(0, Math.max(1, key.length - 1)), value]);
    }
    for (const [k, v] of entries) await trie.put(k, v);
    expect(bytesToHex(trieRoot(entries))).toBe(bytesToHex(trie.root()));
  });
});

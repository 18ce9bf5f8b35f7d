import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  BranchMPTNode,
  createMPT,
  ExtensionMPTNode,
  type MerklePatriciaTrie,
  type NodeReferenceOrRawMPTNode,
} from "@ethereumjs/mpt";
import { bytesToHex, utf8ToBytes } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import { MemoryKvStore } from "@knode/db";
import { describe, expect, it } from "vitest";
import { TrieNodeStore, trieRoot } from "../src/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const FIXTURES = process.env.KNODE_FIXTURES ?? path.resolve(repoRoot, "../shared/fixtures");
const TRIE_DIR = path.join(FIXTURES, "ethereum-tests/TrieTests");

type RawIn = Record<string, string | null> | [string, string | null][];
interface RootTest {
  in: RawIn;
  root: string;
}

function load<T>(file: string): Record<string, T> {
  return JSON.parse(readFileSync(path.join(TRIE_DIR, file), "utf8")) as Record<string, T>;
}

/** Fixture convention: a 0x-prefixed string is hex, anything else raw UTF-8. */
function decode(s: string): Uint8Array {
  return s.startsWith("0x") ? Uint8Array.from(Buffer.from(s.slice(2), "hex")) : utf8ToBytes(s);
}

function pairs(input: RawIn): [Uint8Array, Uint8Array | null][] {
  const list = Array.isArray(input) ? input : Object.entries(input);
  return list.map(([k, v]) => [decode(k), v === null ? null : decode(v)]);
}

async function newTrie(kv: MemoryKvStore, secure: boolean, root?: Uint8Array) {
  const store = new TrieNodeStore(kv);
  const trie = await createMPT({ db: store, valueEncoding: "view", useKeyHashing: secure, root });
  return { store, trie };
}

/** Applies the ops, checks the root, writes the overlay and reads every final value back from storage. */
async function runRootTest(test: RootTest, secure: boolean): Promise<void> {
  const kv = new MemoryKvStore();
  const { store, trie } = await newTrie(kv, secure);
  const final = new Map<string, [Uint8Array, Uint8Array | null]>();
  for (const [k, v] of pairs(test.in)) {
    if (v === null || v.length === 0) await trie.del(k);
    else await trie.put(k, v);
    final.set(bytesToHex(k), [k, v === null || v.length === 0 ? null : v]);
  }
  expect(bytesToHex(trie.root())).toBe(test.root);
  expect(kv.size).toBe(0);
  await kv.batch(store.takePendingOps());
  expect(store.pendingSize).toBe(0);

  const reopened = await newTrie(kv, secure, trie.root());
  for (const [k, v] of final.values()) {
    const got = await reopened.trie.get(k);
    expect(got === null ? null : bytesToHex(got)).toBe(v === null ? null : bytesToHex(v));
  }

  // The one-pass builder must agree with MPT on the same final contents.
  const entries: [Uint8Array, Uint8Array][] = [];
  for (const [k, v] of final.values()) if (v !== null) entries.push([secure ? keccak256(k) : k, v]);
  expect(bytesToHex(trieRoot(entries))).toBe(test.root);
}

const ROOT_FILES: [string, boolean][] = [
  ["trieanyorder.json", false],
  ["trietest.json", false],
  ["trieanyorder_secureTrie.json", true],
  ["trietest_secureTrie.json", true],
  ["hex_encoded_securetrie_test.json", true],
];

describe.each(ROOT_FILES)("TrieTests/%s through TrieNodeStore", (file, secure) => {
  const tests = load<RootTest>(file);
  it.each(Object.entries(tests))("%s", async (_name, test) => {
    await runRootTest(test, secure);
  });

  if (file.includes("anyorder")) {
    it.each(Object.entries(tests))("%s in reverse insertion order", async (_name, test) => {
      const reversed = Array.isArray(test.in) ? [...test.in].reverse() : Object.entries(test.in).reverse();
      await runRootTest({ in: reversed, root: test.root }, secure);
    });
  }
});

function nibblesToUtf8(nibbles: number[]): string {
  const bytes = new Uint8Array(nibbles.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (nibbles[2 * i] << 4) | nibbles[2 * i + 1];
  return Buffer.from(bytes).toString("utf8");
}

/**
 * Depth-first, child-index order, so keys come out sorted. Written here because MPT's own walker looks
 * embedded (<32-byte) nodes up by hash and silently skips them.
 */
async function storedKeys(
  trie: MerklePatriciaTrie,
  ref: NodeReferenceOrRawMPTNode,
  prefix: number[],
): Promise<string[]> {
  const node = await trie.lookupNode(ref);
  if (node instanceof BranchMPTNode) {
    const out = node.value() === null ? [] : [nibblesToUtf8(prefix)];
    for (const [i, child] of node.getChildren()) out.push(...(await storedKeys(trie, child, [...prefix, i])));
    return out;
  }
  if (node instanceof ExtensionMPTNode) return storedKeys(trie, node.value(), [...prefix, ...node.key()]);
  return [nibblesToUtf8([...prefix, ...node.key()])];
}

describe("TrieTests/trietestnextprev.json", () => {
  const tests = load<{ in: string[]; tests: [string, string, string][] }>("trietestnextprev.json");
  it.each(Object.entries(tests))("%s: neighbours found by walking the stored trie", async (_name, test) => {
    const kv = new MemoryKvStore();
    const { store, trie } = await newTrie(kv, false);
    for (const k of test.in) await trie.put(utf8ToBytes(k), utf8ToBytes(k));
    await kv.batch(store.takePendingOps());
    const reopened = (await newTrie(kv, false, trie.root())).trie;
    const keys = await storedKeys(reopened, reopened.root(), []);
    expect(keys).toEqual([...test.in].sort());
    for (const [probe, prev, next] of test.tests) {
      const before = keys.filter((k) => Buffer.compare(Buffer.from(k), Buffer.from(probe)) < 0);
      const after = keys.filter((k) => Buffer.compare(Buffer.from(k), Buffer.from(probe)) > 0);
      expect(before.at(-1) ?? "").toBe(prev);
      expect(after[0] ?? "").toBe(next);
    }
  });
});

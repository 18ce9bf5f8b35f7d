import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bytesToHex, utf8ToBytes } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import { describe, expect, it } from "vitest";
import { EMPTY_TRIE_ROOT, MerkleTrie } from "../src/index.js";
import { MapReader, reachableHashes } from "./merkleTrieHelpers.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const FIXTURES = process.env.KNODE_FIXTURES ?? path.resolve(repoRoot, "../shared/fixtures");
const TRIE_DIR = path.join(FIXTURES, "ethereum-tests/TrieTests");

type RawIn = Record<string, string | null> | [string, string | null][];
interface RootTest {
  in: RawIn;
  root: string;
}

function load(file: string): Record<string, RootTest> {
  return JSON.parse(readFileSync(path.join(TRIE_DIR, file), "utf8")) as Record<string, RootTest>;
}

/** Fixture convention: a 0x-prefixed string is hex, anything else raw UTF-8. */
function decode(s: string): Uint8Array {
  return s.startsWith("0x") ? Uint8Array.from(Buffer.from(s.slice(2), "hex")) : utf8ToBytes(s);
}

function ops(test: RootTest, secure: boolean, reverse: boolean): [Uint8Array, Uint8Array][] {
  const list = Array.isArray(test.in) ? [...test.in] : Object.entries(test.in);
  if (reverse) list.reverse();
  return list.map(([k, v]) => {
    const key = decode(k);
    return [secure ? keccak256(key) : key, v === null ? new Uint8Array(0) : decode(v)];
  });
}

async function runRootTest(test: RootTest, secure: boolean, reverse: boolean): Promise<void> {
  const reader = new MapReader();
  const trie = new MerkleTrie(reader, EMPTY_TRIE_ROOT);
  const final = new Map<string, Uint8Array>();
  for (const [k, v] of ops(test, secure, reverse)) {
    await trie.put(k, v);
    final.set(bytesToHex(k), v);
  }
  expect(bytesToHex(trie.rootHash())).toBe(test.root);
  const emitted: string[] = [];
  const root = trie.commit(reader.sink(emitted));
  expect(bytesToHex(root)).toBe(test.root);
  if (bytesToHex(root) === bytesToHex(EMPTY_TRIE_ROOT)) {
    expect(emitted).toEqual([]);
    return;
  }
  // Exactly the nodes a reader needs: all reachable by hash, nothing else.
  expect(new Set(emitted)).toEqual(reachableHashes(reader.nodes, root));

  const reopened = new MerkleTrie(reader, root);
  for (const [hex, v] of final) {
    const got = await reopened.get(Uint8Array.from(Buffer.from(hex.slice(2), "hex")));
    expect(got === undefined ? "" : bytesToHex(got)).toBe(v.length === 0 ? "" : bytesToHex(v));
  }
}

const ROOT_FILES: [string, boolean][] = [
  ["trieanyorder.json", false],
  ["trietest.json", false],
  ["trieanyorder_secureTrie.json", true],
  ["trietest_secureTrie.json", true],
  ["hex_encoded_securetrie_test.json", true],
];

describe.each(ROOT_FILES)("MerkleTrie on TrieTests/%s", (file, secure) => {
  const tests = load(file);
  it.each(Object.entries(tests))("%s", async (_name, test) => {
    await runRootTest(test, secure, false);
  });
  if (file.includes("anyorder")) {
    it.each(Object.entries(tests))("%s in reverse insertion order", async (_name, test) => {
      await runRootTest(test, secure, true);
    });
  }
});

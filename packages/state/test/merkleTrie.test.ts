import { createMPT } from "@ethereumjs/mpt";
import { bytesToHex, isKnodeError, seededRandom } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import { MemoryKvStore } from "@knode/db";
import { describe, expect, it } from "vitest";
import {
  EMPTY_TRIE_ROOT,
  kvTrieNodeReader,
  MerkleTrie,
  StateErrorCode,
  TrieNodeStore,
  trieRoot,
} from "../src/index.js";
import { MapReader, randomBytes, reachableHashes } from "./merkleTrieHelpers.js";

async function filled(reader: MapReader, n: number, seed: number) {
  const rand = seededRandom(seed);
  const trie = new MerkleTrie(reader, EMPTY_TRIE_ROOT);
  const entries: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < n; i++) {
    const e: [Uint8Array, Uint8Array] = [randomBytes(rand, 32), randomBytes(rand, 1 + Math.floor(rand() * 100))];
    entries.push(e);
    await trie.put(e[0], e[1]);
  }
  return { trie, entries, rand };
}

async function expectCode(p: Promise<unknown>, code: StateErrorCode): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isKnodeError(err, code)).toBe(true);
}

describe("MerkleTrie commit and reopen", () => {
  it("emits exactly the reachable nodes, reopens from them, and emits nothing when unchanged", async () => {
    const reader = new MapReader();
    const { trie, entries, rand } = await filled(reader, 500, 11);
    const first: string[] = [];
    const root = trie.commit(reader.sink(first));
    expect(bytesToHex(root)).toBe(bytesToHex(trieRoot(entries)));
    expect(new Set(first)).toEqual(reachableHashes(reader.nodes, root));
    const none: string[] = [];
    expect(bytesToHex(trie.commit(reader.sink(none)))).toBe(bytesToHex(root));
    expect(none).toEqual([]);

    const reopened = new MerkleTrie(reader, root);
    for (const [k, v] of entries) expect(bytesToHex((await reopened.get(k)) as Uint8Array)).toBe(bytesToHex(v));
    expect(reopened.resolvedNodes).toBeGreaterThan(0);

    // Second block: updates, inserts and deletes on the reopened trie emit only new nodes.
    const live = new Map(entries.map(([k, v]) => [bytesToHex(k), [k, v] as [Uint8Array, Uint8Array]]));
    for (let i = 0; i < 50; i++) {
      const k = randomBytes(rand, 32);
      const v = randomBytes(rand, 40);
      await reopened.put(k, v);
      live.set(bytesToHex(k), [k, v]);
      const [dk] = entries[i * 3];
      await reopened.del(dk);
      live.delete(bytesToHex(dk));
      const [uk] = entries[i * 3 + 1];
      await reopened.put(uk, Uint8Array.of(i + 1));
      live.set(bytesToHex(uk), [uk, Uint8Array.of(i + 1)]);
    }
    // Not `fresh`: a delete collapse followed by a split can rebuild a node equal to a stored one.
    const second: string[] = [];
    const root2 = reopened.commit(reader.sink(second, false));
    expect(bytesToHex(root2)).toBe(bytesToHex(trieRoot(live.values())));
    const reachable = reachableHashes(reader.nodes, root2);
    for (const h of second) expect(reachable.has(h)).toBe(true);
    // Only the reachable nodes, old and new, are needed to read everything back.
    const pruned = new MapReader();
    for (const h of reachable) pruned.nodes.set(h, reader.nodes.get(h) as Uint8Array);
    const third = new MerkleTrie(pruned, root2);
    for (const [k, v] of live.values()) expect(bytesToHex((await third.get(k)) as Uint8Array)).toBe(bytesToHex(v));
    expect(await third.get(entries[0][0])).toBeUndefined();
  });

  it("emits a root shorter than 32 bytes so it can be reopened", async () => {
    const reader = new MapReader();
    const trie = new MerkleTrie(reader, EMPTY_TRIE_ROOT);
    await trie.put(Uint8Array.of(1), Uint8Array.of(2));
    const emitted: string[] = [];
    const root = trie.commit(reader.sink(emitted));
    expect(emitted).toEqual([bytesToHex(root)]);
    expect((reader.nodes.get(bytesToHex(root)) as Uint8Array).length).toBeLessThan(32);
    expect(await new MerkleTrie(reader, root).get(Uint8Array.of(1))).toEqual(Uint8Array.of(2));
  });

  it("loads an unread sibling when a delete collapses its branch", async () => {
    const reader = new MapReader();
    const trie = new MerkleTrie(reader, EMPTY_TRIE_ROOT);
    const a = new Uint8Array(32).fill(0x11);
    const b = new Uint8Array(32).fill(0x22);
    await trie.put(a, new Uint8Array(50).fill(1));
    await trie.put(b, new Uint8Array(50).fill(2));
    const root = trie.commit(reader.sink());
    const reopened = new MerkleTrie(reader, root);
    await reopened.del(a);
    expect(reader.reads).toBe(3); // root, a's leaf on the path, then b's leaf to merge with
    expect(bytesToHex(reopened.rootHash())).toBe(bytesToHex(trieRoot([[b, new Uint8Array(50).fill(2)]])));
    await reopened.del(b);
    expect(bytesToHex(reopened.rootHash())).toBe(bytesToHex(EMPTY_TRIE_ROOT));
  });

  it("rootHash emits nothing and a later commit still emits every new node", async () => {
    const reader = new MapReader();
    const { trie, entries } = await filled(reader, 50, 3);
    const root = trie.rootHash();
    expect(reader.nodes.size).toBe(0);
    await trie.put(entries[0][0], entries[0][1]); // same value: nothing changes
    expect(bytesToHex(trie.commit(reader.sink()))).toBe(bytesToHex(root));
    expect(new Set(reader.nodes.keys())).toEqual(reachableHashes(reader.nodes, root));
  });
});

describe("MerkleTrie copy", () => {
  it("copies are independent in both directions, also over lazily loaded nodes", async () => {
    const reader = new MapReader();
    const { trie, entries } = await filled(reader, 200, 5);
    const root = trie.commit(reader.sink());
    const base = new MerkleTrie(reader, root);
    const copy = base.copy();
    for (let i = 0; i < 20; i++) await copy.del(entries[i][0]);
    await copy.put(Uint8Array.of(9), Uint8Array.of(9));
    await base.put(entries[30][0], Uint8Array.of(7));
    expect(bytesToHex(copy.rootHash())).not.toBe(bytesToHex(root));

    const baseLive = entries.map(([k, v], i): [Uint8Array, Uint8Array] => [k, i === 30 ? Uint8Array.of(7) : v]);
    expect(bytesToHex(base.rootHash())).toBe(bytesToHex(trieRoot(baseLive)));
    for (const [k, v] of baseLive) expect(bytesToHex((await base.get(k)) as Uint8Array)).toBe(bytesToHex(v));
    expect(await base.get(Uint8Array.of(9))).toBeUndefined();
    expect(await copy.get(entries[0][0])).toBeUndefined();
    expect(await copy.get(entries[30][0])).toEqual(entries[30][1]);
    expect(bytesToHex(copy.rootHash())).toBe(
      bytesToHex(trieRoot([...entries.slice(20), [Uint8Array.of(9), Uint8Array.of(9)]])),
    );
  });
});

describe("MerkleTrie errors", () => {
  it("a missing root or inner node throws STATE_MISSING_TRIE_NODE", async () => {
    const reader = new MapReader();
    await expectCode(
      new MerkleTrie(reader, keccak256(Uint8Array.of(1))).get(Uint8Array.of(1)),
      StateErrorCode.MISSING_TRIE_NODE,
    );

    const { trie, entries } = await filled(reader, 100, 7);
    const root = trie.commit(reader.sink());
    const rootNode = reader.nodes.get(bytesToHex(root)) as Uint8Array;
    reader.nodes.clear();
    reader.nodes.set(bytesToHex(root), rootNode);
    const reopened = new MerkleTrie(reader, root);
    await expectCode(reopened.get(entries[0][0]), StateErrorCode.MISSING_TRIE_NODE);
    await expectCode(reopened.put(entries[1][0], Uint8Array.of(1)), StateErrorCode.MISSING_TRIE_NODE);
    await expectCode(reopened.del(entries[2][0]), StateErrorCode.MISSING_TRIE_NODE);
    expect(bytesToHex(reopened.rootHash())).toBe(bytesToHex(root));
  });

  it("malformed node bytes throw STATE_INVALID_TRIE_NODE", async () => {
    const bad = [Uint8Array.of(0x01), Uint8Array.of(0xc3, 0x80, 0x80, 0x80), Uint8Array.of(0xc2, 0x40, 0x81)];
    for (const rlp of bad) {
      const reader = new MapReader();
      const hash = keccak256(rlp);
      reader.nodes.set(bytesToHex(hash), rlp);
      await expectCode(new MerkleTrie(reader, hash).get(Uint8Array.of(1)), StateErrorCode.INVALID_TRIE_NODE);
    }
  });
});

describe("kvTrieNodeReader", () => {
  it("opens a trie that @ethereumjs/mpt wrote through TrieNodeStore, and continues it identically", async () => {
    const kv = new MemoryKvStore();
    const store = new TrieNodeStore(kv);
    const mpt = await createMPT({ db: store, valueEncoding: "view", useKeyHashing: true });
    const rand = seededRandom(9);
    const entries: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < 300; i++) {
      const e: [Uint8Array, Uint8Array] = [randomBytes(rand, 20), randomBytes(rand, 1 + Math.floor(rand() * 80))];
      entries.push(e);
      await mpt.put(e[0], e[1]);
    }
    await kv.batch(store.takePendingOps());
    const trie = new MerkleTrie(kvTrieNodeReader(kv), mpt.root());
    for (const [k, v] of entries) expect(await trie.get(keccak256(k))).toEqual(v);
    for (let i = 0; i < 100; i++) {
      await mpt.del(entries[i][0]);
      await trie.del(keccak256(entries[i][0]));
      await mpt.put(entries[i + 100][0], Uint8Array.of(i));
      await trie.put(keccak256(entries[i + 100][0]), Uint8Array.of(i));
    }
    expect(bytesToHex(trie.rootHash())).toBe(bytesToHex(mpt.root()));
  });
});

describe("MerkleTrie concurrent reads", () => {
  it("loads each node once when many gets walk a cold trie at the same time", async () => {
    const reader = new MapReader();
    const { trie, entries } = await filled(reader, 300, 21);
    const root = trie.commit(reader.sink());
    const cold = new MerkleTrie(reader, root);
    reader.reads = 0;
    const values = await Promise.all(entries.map(([k]) => cold.get(k)));
    expect(values).toEqual(entries.map(([, v]) => v));
    // Every stored node is needed by some key and none is read twice.
    expect(reader.reads).toBe(reachableHashes(reader.nodes, root).size);
  });
});

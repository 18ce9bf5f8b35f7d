import { RLP } from "@ethereumjs/rlp";
import { bytesToHex } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import { expect } from "vitest";
import type { TrieNodeReader } from "../src/index.js";

/** Node store keyed by hex hash; counts reads so tests can see what was loaded. */
export class MapReader implements TrieNodeReader {
  readonly nodes = new Map<string, Uint8Array>();
  reads = 0;

  async getNode(hash: Uint8Array): Promise<Uint8Array | undefined> {
    this.reads++;
    return this.nodes.get(bytesToHex(hash));
  }

  /**
   * An emit callback that checks each node hashes to its key and, with `fresh`, that the store lacks it
   * (a later commit may legitimately re-emit a node equal to an earlier one, e.g. after delete + re-put).
   */
  sink(emitted: string[] = [], fresh = true): (hash: Uint8Array, rlp: Uint8Array) => void {
    return (hash, rlp) => {
      const hex = bytesToHex(hash);
      expect(bytesToHex(keccak256(rlp))).toBe(hex);
      if (fresh) expect(this.nodes.has(hex)).toBe(false);
      this.nodes.set(hex, rlp.slice());
      emitted.push(hex);
    };
  }
}

type Raw = Uint8Array | Raw[];

/**
 * Hashes of every node reachable from `root` through hash references, found with @ethereumjs/rlp rather
 * than our decoder. Throws if one is missing.
 */
export function reachableHashes(nodes: Map<string, Uint8Array>, root: Uint8Array): Set<string> {
  const out = new Set<string>();
  const visitRef = (ref: Raw): void => {
    if (Array.isArray(ref)) visitNode(ref);
    else if (ref.length === 32) visitHash(bytesToHex(ref));
    else expect(ref.length).toBe(0);
  };
  const visitNode = (node: Raw[]): void => {
    if (node.length === 17) {
      for (let i = 0; i < 16; i++) visitRef(node[i]);
      return;
    }
    expect(node.length).toBe(2);
    const flag = (node[0] as Uint8Array)[0] >> 4;
    if (flag < 2) visitRef(node[1]);
  };
  const visitHash = (hex: string): void => {
    if (out.has(hex)) return;
    const rlp = nodes.get(hex);
    if (rlp === undefined) throw new Error(`unreachable node ${hex}`);
    out.add(hex);
    visitNode(RLP.decode(rlp) as Raw[]);
  };
  visitHash(bytesToHex(root));
  return out;
}

export function randomBytes(rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

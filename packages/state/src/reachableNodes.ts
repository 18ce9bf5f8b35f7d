import { BranchMPTNode, decodeMPTNode, decodeRawMPTNode, ExtensionMPTNode, type MPTNode } from "@ethereumjs/mpt";
import { createAccountFromRLP } from "@ethereumjs/util";

type Lookup = (hexKey: string) => Uint8Array | undefined;
type NodeRef = Uint8Array | Uint8Array[] | unknown[];

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

/**
 * Keys of the pending overlay that the state at `stateRoot` references: account-trie nodes, storage-trie
 * nodes and code. MPT writes every intermediate root of a block (one per updated key), and most of those
 * nodes are superseded before the block ends; keeping only what the final root reaches halves what an
 * archive node writes. The walk descends only into pending nodes: a node already stored has its whole
 * subtree stored, because every commit writes complete subtrees.
 */
export function collectReachableKeys(stateRoot: Uint8Array, lookup: Lookup): Set<string> {
  const keep = new Set<string>();

  const visitHash = (hash: Uint8Array, isAccountTrie: boolean): void => {
    const key = hex(hash);
    if (keep.has(key)) return;
    const encoded = lookup(key);
    if (encoded === undefined) return;
    keep.add(key);
    visitNode(decodeMPTNode(encoded), isAccountTrie);
  };

  const visitRef = (ref: NodeRef, isAccountTrie: boolean): void => {
    if (ref instanceof Uint8Array) {
      if (ref.length === 32) visitHash(ref, isAccountTrie);
      return;
    }
    // Nodes under 32 bytes are embedded in their parent instead of stored.
    visitNode(decodeRawMPTNode(ref as Uint8Array[]), isAccountTrie);
  };

  const visitValue = (value: Uint8Array | null, isAccountTrie: boolean): void => {
    if (!isAccountTrie || value === null || value.length === 0) return;
    const account = createAccountFromRLP(value);
    visitHash(account.storageRoot, false);
    const codeKey = `63${hex(account.codeHash)}`;
    if (lookup(codeKey) !== undefined) keep.add(codeKey);
  };

  const visitNode = (node: MPTNode, isAccountTrie: boolean): void => {
    if (node instanceof BranchMPTNode) {
      for (const [, child] of node.getChildren()) visitRef(child, isAccountTrie);
      visitValue(node.value(), isAccountTrie);
    } else if (node instanceof ExtensionMPTNode) {
      visitRef(node.value() as NodeRef, isAccountTrie);
    } else {
      visitValue(node.value(), isAccountTrie);
    }
  };

  visitHash(stateRoot, true);
  return keep;
}

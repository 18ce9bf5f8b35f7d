import { equalBytes } from "@knode/common";
import { rlpBigInt, rlpDecode, rlpEncode, rlpFixedBytes, rlpList } from "@knode/types";
import { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT } from "../trieRoot.js";

/** One account as the state trie stores it. Records are never mutated: an update makes a new one. */
export interface FlatAccount {
  readonly nonce: bigint;
  readonly balance: bigint;
  readonly storageRoot: Uint8Array;
  readonly codeHash: Uint8Array;
}

export const EMPTY_ACCOUNT: FlatAccount = Object.freeze({
  nonce: 0n,
  balance: 0n,
  storageRoot: EMPTY_TRIE_ROOT,
  codeHash: EMPTY_CODE_HASH,
});

export function encodeAccount(a: FlatAccount): Uint8Array {
  return rlpEncode([a.nonce, a.balance, a.storageRoot, a.codeHash]);
}

export function decodeAccount(raw: Uint8Array): FlatAccount {
  const f = rlpList(rlpDecode(raw), "account");
  return {
    nonce: rlpBigInt(f[0], "nonce"),
    balance: rlpBigInt(f[1], "balance"),
    storageRoot: rlpFixedBytes(f[2], "storageRoot", 32),
    codeHash: rlpFixedBytes(f[3], "codeHash", 32),
  };
}

/** EIP-161: no nonce, no balance, no code. */
export function isEmptyAccount(a: FlatAccount): boolean {
  return (
    a.nonce === 0n && a.balance === 0n && (a.codeHash === EMPTY_CODE_HASH || equalBytes(a.codeHash, EMPTY_CODE_HASH))
  );
}

/** Storage words live in the trie as RLP of the value with leading zeros stripped. */
export function encodeStorageValue(unpadded: Uint8Array): Uint8Array {
  return rlpEncode(unpadded);
}

export function decodeStorageValue(raw: Uint8Array): Uint8Array {
  const v = rlpDecode(raw);
  if (!(v instanceof Uint8Array)) throw new TypeError("storage value is not a byte string");
  return v;
}

/** Leading zero bytes removed, the form ethereumjs hands its state manager and the trie stores. */
export function unpad(value: Uint8Array): Uint8Array {
  let i = 0;
  while (i < value.length && value[i] === 0) i++;
  return i === 0 ? value : value.subarray(i);
}

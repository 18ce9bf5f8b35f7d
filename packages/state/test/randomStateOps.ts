import type { StateManagerInterface } from "@ethereumjs/common";
import { Account, Address } from "@ethereumjs/util";
import { bigIntToFixedBytes } from "@knode/common";

/** Shared by the randomized state tests: a pool of addresses and slots, and one random state operation. */
export const ADDRESSES = Array.from({ length: 40 }, (_, i) => {
  const a = new Uint8Array(20);
  a[0] = i * 7;
  a[19] = i;
  return new Address(a);
});
export const SLOTS = Array.from({ length: 8 }, (_, i) => bigIntToFixedBytes(BigInt(i * 977 + 1), 32));

export type Op = (sm: StateManagerInterface) => Promise<void>;

/** A random balance, nonce, storage, code, clear-storage or delete operation, to run on several states alike. */
export function randomOp(r: () => number): Op {
  const addr = ADDRESSES[Math.floor(r() * ADDRESSES.length)];
  const kind = Math.floor(r() * 7);
  const n = BigInt(Math.floor(r() * 1e9));
  const slot = SLOTS[Math.floor(r() * SLOTS.length)];
  const value = r() < 0.25 ? new Uint8Array(32) : bigIntToFixedBytes(n + 1n, 32);
  const code = Uint8Array.from({ length: 1 + Math.floor(r() * 40) }, (_, i) => (Number(n) + i) & 0xff);
  const ensure = async (sm: StateManagerInterface) => {
    if ((await sm.getAccount(addr)) === undefined) await sm.putAccount(addr, new Account());
  };
  switch (kind) {
    case 0:
      return async (sm) => sm.modifyAccountFields(addr, { balance: n });
    case 1:
      return async (sm) => sm.modifyAccountFields(addr, { nonce: n % 1000n });
    case 2:
    case 3:
      return async (sm) => {
        await ensure(sm);
        await sm.putStorage(addr, slot, value);
      };
    case 4:
      return async (sm) => sm.putCode(addr, code);
    case 5:
      return async (sm) => {
        await ensure(sm);
        await sm.clearStorage(addr);
      };
    default:
      // ethereumjs keeps a deleted account's storage trie cached by address and serves it again if the
      // account comes back; Ethereum (and BlockState) drop the storage with the account. Clearing first
      // makes the reference follow the real rule.
      return async (sm) => {
        if ((await sm.getAccount(addr)) === undefined) return;
        await sm.clearStorage(addr);
        await sm.deleteAccount(addr);
      };
  }
}

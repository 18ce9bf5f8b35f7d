import { Address } from "@ethereumjs/util";
import { hexToBytes, hexToBytesLoose, padBytes } from "@knode/common";
import type { BatchOp, KvStore } from "@knode/db";
import type { GenesisSpec } from "@knode/types";
import { EMPTY_ACCOUNT } from "./flat/accountRlp.js";
import { FlatStateStore } from "./flat/flatStateStore.js";
import { EMPTY_TRIE_ROOT } from "./trieRoot.js";

/**
 * Writes the genesis alloc (balances, nonces, code, storage) into a fresh state and hashes it once;
 * nothing touches the db. A large alloc (a token holding thousands of balances) costs milliseconds.
 */
export async function buildGenesisState(
  kv: KvStore,
  alloc: GenesisSpec["alloc"],
): Promise<{ stateRoot: Uint8Array; ops: BatchOp[] }> {
  const state = new FlatStateStore({}, { kv }).open(EMPTY_TRIE_ROOT);
  for (const [addrHex, acc] of alloc) {
    const addr = hexToBytes(addrHex);
    state.setAccount(addr, { ...EMPTY_ACCOUNT, balance: acc.balance, nonce: acc.nonce ?? 0n });
    if (acc.code !== undefined && acc.code.length > 0) await state.putCode(new Address(addr), acc.code);
    if (acc.storage !== undefined) {
      for (const [slotHex, value] of acc.storage) {
        state.setStorageWord(addr, padBytes(hexToBytesLoose(slotHex), 32), value);
      }
    }
  }
  const { root, ops } = await state.finalize();
  return { stateRoot: root, ops };
}

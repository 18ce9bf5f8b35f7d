import { hexToBytes, hexToBytesLoose, padBytes } from "@knode/common";
import type { BatchOp, KvStore } from "@knode/db";
import type { GenesisSpec } from "@knode/types";
import { EMPTY_TRIE_ROOT } from "./trieRoot.js";
import { WorldState } from "./worldState.js";

/** Writes the genesis alloc (balances, nonces, code, storage) into a fresh state; nothing touches the db. */
export async function buildGenesisState(
  kv: KvStore,
  alloc: GenesisSpec["alloc"],
): Promise<{ stateRoot: Uint8Array; ops: BatchOp[] }> {
  const ws = await WorldState.open(kv, EMPTY_TRIE_ROOT);
  for (const [addrHex, acc] of alloc) {
    const addr = hexToBytes(addrHex);
    await ws.setBalance(addr, acc.balance);
    if (acc.nonce !== undefined && acc.nonce !== 0n) await ws.setNonce(addr, acc.nonce);
    if (acc.code !== undefined && acc.code.length > 0) await ws.setCode(addr, acc.code);
    if (acc.storage !== undefined) {
      for (const [slotHex, value] of acc.storage) {
        await ws.setStorage(addr, padBytes(hexToBytesLoose(slotHex), 32), value);
      }
    }
  }
  return ws.commit();
}

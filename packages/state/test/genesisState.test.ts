import { MerkleStateManager } from "@ethereumjs/statemanager";
import { bytesToHex, hexToBytes } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import { MemoryKvStore } from "@knode/db";
import type { GenesisAccount } from "@knode/types";
import { describe, expect, it } from "vitest";
import { buildGenesisState, EMPTY_TRIE_ROOT, WorldState } from "../src/index.js";

const word = (hex: string) => hexToBytes(`0x${hex.replace(/^0x/, "").padStart(64, "0")}`);

function sampleAlloc(): Map<string, GenesisAccount> {
  const alloc = new Map<string, GenesisAccount>();
  alloc.set("0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b", { balance: 10n ** 27n });
  alloc.set("0x095e7baea6a6c7c4c2dfeb977efac326af552d87", { balance: 1n, nonce: 3n });
  alloc.set("0x0000000000000000000000000000000000000400", {
    balance: 0n,
    code: hexToBytes("0x6080604052348015600f57600080fd5b50600436106028576000"),
    storage: new Map([
      ["0x00", word("01")],
      ["0x0000000000000000000000000000000000000000000000000000000000000001", word("ff00")],
      ["0x2a", word("deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef")],
      // Zero words are absent slots, not stored zeros.
      ["0x03", word("00")],
    ]),
  });
  for (let i = 1; i <= 40; i++) {
    alloc.set(`0x${i.toString(16).padStart(40, "0")}`, { balance: BigInt(i) * 10n ** 18n });
  }
  return alloc;
}

/** What @ethereumjs/statemanager computes on its own default in-memory trie. */
async function referenceRoot(alloc: Map<string, GenesisAccount>): Promise<Uint8Array> {
  const sm = new MerkleStateManager();
  const init: Record<string, [string, string, [string, string][], string]> = {};
  for (const [addr, acc] of alloc) {
    const storage: [string, string][] = [...(acc.storage ?? new Map<string, Uint8Array>())].map(([k, v]) => [
      bytesToHex(word(k)),
      bytesToHex(v),
    ]);
    init[addr] = [
      `0x${acc.balance.toString(16)}`,
      acc.code === undefined ? "0x" : bytesToHex(acc.code),
      storage,
      `0x${(acc.nonce ?? 0n).toString(16)}`,
    ];
  }
  await sm.generateCanonicalGenesis(init);
  return sm.getStateRoot();
}

describe("buildGenesisState", () => {
  it("gives the same root as @ethereumjs/statemanager's default trie for the same alloc", async () => {
    const alloc = sampleAlloc();
    const kv = new MemoryKvStore();
    const { stateRoot, ops } = await buildGenesisState(kv, alloc);
    expect(kv.size).toBe(0);
    expect(bytesToHex(stateRoot)).toBe(bytesToHex(await referenceRoot(alloc)));
    expect(bytesToHex(stateRoot)).not.toBe(bytesToHex(EMPTY_TRIE_ROOT));

    await kv.batch(ops);
    const ws = await WorldState.open(kv, stateRoot);
    const c = hexToBytes("0x0000000000000000000000000000000000000400");
    const spec = alloc.get("0x0000000000000000000000000000000000000400");
    expect(await ws.getCode(c)).toEqual(spec?.code);
    expect(bytesToHex((await ws.getAccount(c)).codeHash)).toBe(bytesToHex(keccak256(spec?.code ?? new Uint8Array())));
    expect(await ws.getStorage(c, word("01"))).toEqual(word("ff00"));
    expect(await ws.getStorage(c, word("2a"))).toEqual(spec?.storage?.get("0x2a"));
    const n = await ws.getAccount(hexToBytes("0x095e7baea6a6c7c4c2dfeb977efac326af552d87"));
    expect(n).toMatchObject({ nonce: 3n, balance: 1n });
    expect((await ws.getAccount(hexToBytes("0x0000000000000000000000000000000000000028"))).balance).toBe(
      40n * 10n ** 18n,
    );
  });

  it("gives the empty root for an empty alloc", async () => {
    const { stateRoot, ops } = await buildGenesisState(new MemoryKvStore(), new Map());
    expect(stateRoot).toEqual(EMPTY_TRIE_ROOT);
    expect(ops).toEqual([]);
  });
});

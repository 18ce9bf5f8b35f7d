// The benchmark ERC-20 (bench/fixtures/erc20.json): a genesis account holding its runtime code with a
// balance for given holders, and the calldata of `transfer(to, amount)`. Shared by the in-process
// execution case and the RPC load case so both run the same contract at the same address.
import { readFileSync } from "node:fs";
import path from "node:path";
import { bigIntToFixedBytes, bytesToHex, concatBytes, hexToBytes } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import { ROOT } from "./harness.mjs";

/** A fixed address no key controls, so the token never collides with an account. */
export const TOKEN = hexToBytes("0x00000000000000000000000000000000000e2c20");
const TRANSFER_SELECTOR = hexToBytes("0xa9059cbb");

export function word(x) {
  return bigIntToFixedBytes(x, 32);
}

export function pad32(addr) {
  const w = new Uint8Array(32);
  w.set(addr, 12);
  return w;
}

/** Calldata of `transfer(to, amount)`. */
export function transferCalldata(to, amount) {
  return concatBytes(TRANSFER_SELECTOR, pad32(to), word(amount));
}

/**
 * Genesis alloc (address → account) holding the token: its runtime code, every address of `holders` (20-byte
 * arrays) owning `amount` tokens, and the matching total supply.
 */
export function tokenAlloc(holders, amount) {
  const fixture = JSON.parse(readFileSync(path.join(ROOT, "bench/fixtures/erc20.json"), "utf8"));
  const storage = new Map();
  const mappingSlot = word(BigInt(fixture.slots.balanceOf));
  for (const a of holders) storage.set(bytesToHex(keccak256(concatBytes(pad32(a), mappingSlot))), word(amount));
  storage.set(bytesToHex(word(BigInt(fixture.slots.totalSupply))), word(amount * BigInt(holders.length)));
  return new Map([[bytesToHex(TOKEN), { balance: 0n, code: hexToBytes(fixture.runtimeBytecode), storage }]]);
}

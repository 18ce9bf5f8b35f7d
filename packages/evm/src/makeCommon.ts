import { createHash } from "node:crypto";
import { Common, type CustomCrypto, Hardfork, Mainnet } from "@ethereumjs/common";
import { paramsTx } from "@ethereumjs/tx";
import { keccak256, recoverPublicKey } from "@knode/crypto";

/** The recovery id ethereumjs would derive from v: typed txs carry 0/1, legacy 27/28 or EIP-155 values. */
function recoveryId(v: bigint, chainId?: bigint): bigint {
  if (v === 0n || v === 1n) return v;
  if (chainId === undefined) return v - 27n;
  return v - (chainId * 2n + 35n);
}

function leftPad32(b: Uint8Array): Uint8Array {
  if (b.length === 32) return b;
  if (b.length > 32) throw new RangeError("signature scalar longer than 32 bytes");
  const out = new Uint8Array(32);
  out.set(b, 32 - b.length);
  return out;
}

/**
 * ethereumjs defaults to noble for secp256k1 and keccak; libsecp256k1 recovers ~30x faster, which matters
 * for the ecrecover precompile and any tx whose sender we did not recover ourselves.
 */
function nativeEcrecover(msgHash: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint): Uint8Array {
  const recid = recoveryId(v, chainId);
  if (recid !== 0n && recid !== 1n) throw new RangeError("invalid signature v value");
  const sig = new Uint8Array(65);
  sig.set(leftPad32(r), 0);
  sig.set(leftPad32(s), 32);
  sig[64] = Number(recid);
  // ethereumjs expects the 64-byte key without the 0x04 prefix.
  return recoverPublicKey(msgHash, sig).subarray(1);
}

function nodeSha256(msg: Uint8Array): Uint8Array {
  return createHash("sha256").update(msg).digest();
}

export const nativeCustomCrypto: CustomCrypto = {
  keccak256,
  ecrecover: nativeEcrecover,
  sha256: nodeSha256,
};

/**
 * The execution rules of a knode chain: Ethereum's Cancun (so solc's default output with PUSH0, MCOPY and
 * TSTORE/TLOAD runs, plus Osaka's CLZ opcode), EIP-155 replay protection under `chainId`, and native crypto. Built on mainnet's
 * hardfork table but pinned to Cancun: Klaytn headers carry no fork timestamps, and the table's
 * proof-of-stake entry only serves to make DIFFICULTY read PREVRANDAO. Create one per chain and share it;
 * each VM takes its own shallow copy.
 */
export function makeCommon(chainId: bigint): Common {
  const common = new Common({
    // A string, because Common deep-copies its chain config through JSON (bigint would throw).
    chain: { ...Mainnet, name: "knode", chainId: chainId.toString() },
    hardfork: Hardfork.Cancun,
    // CLZ (Osaka): solc >= 0.8.31 targets Osaka by default and may emit it; nothing else in Osaka is needed.
    eips: [7939],
    customCrypto: nativeCustomCrypto,
    // Preloaded so txs can be built with `params: {}`: otherwise every tx deep-copies these (~15 µs each).
    params: paramsTx,
  });
  // Own property, so copies (one per VM) keep it.
  common.isActivatedEIP = isActivatedEipBySet;
  return common;
}

const eipSets = new WeakMap<readonly number[], Set<number>>();

/**
 * Common.isActivatedEIP scans an array of ~50 EIPs, and the interpreter asks on nearly every opcode; a Set
 * built once per activation list (Common replaces the array whenever the hardfork changes) answers in O(1).
 */
function isActivatedEipBySet(this: Common, eip: number): boolean {
  const list = (this as unknown as { _activatedEIPsCache: number[] })._activatedEIPsCache;
  let set = eipSets.get(list);
  if (set === undefined) {
    set = new Set(list);
    eipSets.set(list, set);
  }
  return set.has(eip);
}

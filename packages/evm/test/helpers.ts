import type { StateManagerInterface } from "@ethereumjs/common";
import { Address } from "@ethereumjs/util";
import { nullLogger } from "@knode/common";
import { privateKeyToAddress } from "@knode/crypto";
import { MemoryKvStore } from "@knode/db";
import { type BlockState, EMPTY_ACCOUNT, EMPTY_TRIE_ROOT, FlatStateStore } from "@knode/state";
import { signTransaction, type Transaction, TxType } from "@knode/types";
import { type BlockEnv, BlockExecutor, KNODE_BLOCK_GAS_LIMIT } from "../src/index.js";

export const CHAIN_ID = 1001n;
export const BASE_FEE = 25_000_000_000n;
export const ONE_KLAY = 10n ** 18n;
export const MINTING = 64n * ONE_KLAY;

export function privateKey(i: number): Uint8Array {
  const k = new Uint8Array(32);
  k[0] = 0x11;
  k[30] = i >> 8;
  k[31] = i & 0xff;
  return k;
}

export const KEYS = [1, 2, 3].map(privateKey);
export const ADDRS = KEYS.map(privateKeyToAddress);
export const COINBASE = Uint8Array.from({ length: 20 }, (_, i) => 0xc0 + i);

export function newExecutor(mintingAmount = MINTING): BlockExecutor {
  return new BlockExecutor({ chainId: CHAIN_ID, mintingAmount }, { logger: nullLogger() });
}

export function env(over: Partial<BlockEnv> = {}): BlockEnv {
  return {
    number: 7n,
    timestamp: 1_700_000_000n,
    coinbase: COINBASE,
    baseFee: BASE_FEE,
    gasLimit: KNODE_BLOCK_GAS_LIMIT,
    ...over,
  };
}

/** A block state over an empty in-memory db with every test account funded. */
export async function fundedState(balance = 1000n * ONE_KLAY, extra: Uint8Array[] = []): Promise<BlockState> {
  const state = new FlatStateStore({}, { kv: new MemoryKvStore() }).open(EMPTY_TRIE_ROOT);
  for (const a of [...ADDRS, ...extra]) state.setAccount(a, { ...EMPTY_ACCOUNT, balance });
  return state;
}

export async function balanceOf(state: StateManagerInterface, addr: Uint8Array): Promise<bigint> {
  return (await state.getAccount(new Address(addr)))?.balance ?? 0n;
}

export async function nonceOf(state: StateManagerInterface, addr: Uint8Array): Promise<bigint> {
  return (await state.getAccount(new Address(addr)))?.nonce ?? 0n;
}

export interface TxFields {
  nonce: bigint;
  to: Uint8Array | null;
  value?: bigint;
  data?: Uint8Array;
  gasLimit?: bigint;
  tip?: bigint;
  maxFee?: bigint;
}

export function dynamicTx(key: Uint8Array, f: TxFields): Transaction {
  const maxFee = f.maxFee ?? 2n * BASE_FEE;
  const tip = f.tip ?? 1_000_000_000n;
  return signTransaction(
    {
      type: TxType.DynamicFee,
      chainId: CHAIN_ID,
      nonce: f.nonce,
      gasPrice: maxFee,
      maxFeePerGas: maxFee,
      maxPriorityFeePerGas: tip,
      gasLimit: f.gasLimit ?? 21000n,
      to: f.to,
      value: f.value ?? 0n,
      data: f.data ?? new Uint8Array(0),
      accessList: [],
    },
    key,
  );
}

export function legacyTx(key: Uint8Array, f: TxFields & { gasPrice?: bigint }): Transaction {
  const price = f.gasPrice ?? BASE_FEE;
  return signTransaction(
    {
      type: TxType.Legacy,
      chainId: CHAIN_ID,
      nonce: f.nonce,
      gasPrice: price,
      maxFeePerGas: price,
      maxPriorityFeePerGas: price,
      gasLimit: f.gasLimit ?? 21000n,
      to: f.to,
      value: f.value ?? 0n,
      data: f.data ?? new Uint8Array(0),
      accessList: [],
    },
    key,
  );
}

export function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/^0x/, "").replace(/\s+/g, ""), "hex"));
}

/** A 32-byte big-endian word. */
export function word(v: bigint): Uint8Array {
  return hex(v.toString(16).padStart(64, "0"));
}

import { bytesToHex, nullLogger } from "@knode/common";
import {
  keccak256,
  MainThreadSigVerifier,
  privateKeyToAddress,
  type SignatureJob,
  type SigVerifier,
} from "@knode/crypto";
import {
  decodeTransaction,
  signTransaction,
  type Transaction,
  TxType,
  transactionSignature,
  transactionSigningHash,
} from "@knode/types";
import { TxPool, type TxPoolChain, type TxPoolOptions } from "../src/index.js";

export const CHAIN_ID = 1000n;
export const BASE_FEE = 25_000_000_000n;
export const GAS_CAP = 30_000_000n;
export const RICH = 10n ** 24n;

export class FakeChain implements TxPoolChain {
  readonly chainId = CHAIN_ID;
  base = BASE_FEE;
  gasCap = GAS_CAP;
  readonly state = new Map<string, { nonce: bigint; balance: bigint }>();
  reads = 0;

  baseFee(): bigint {
    return this.base;
  }

  maxTxGas(): bigint {
    return this.gasCap;
  }

  async getAccount(addr: Uint8Array): Promise<{ nonce: bigint; balance: bigint }> {
    this.reads++;
    return this.state.get(bytesToHex(addr)) ?? { nonce: 0n, balance: 0n };
  }

  set(addr: Uint8Array, nonce: bigint, balance: bigint = RICH): void {
    this.state.set(bytesToHex(addr), { nonce, balance });
  }
}

/** Counts the batches so tests can check that one addBatch is one recovery round trip. */
export class CountingVerifier implements SigVerifier {
  readonly inner = new MainThreadSigVerifier();
  batches: number[] = [];

  recoverAddresses(jobs: SignatureJob[]): Promise<(Uint8Array | null)[]> {
    this.batches.push(jobs.length);
    return this.inner.recoverAddresses(jobs);
  }

  canAcceptWork(): boolean {
    return this.inner.canAcceptWork();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface Sender {
  priv: Uint8Array;
  address: Uint8Array;
  hex: string;
}

export function sender(i: number): Sender {
  const priv = keccak256(Uint8Array.of(0x70, i >> 8, i & 0xff));
  const address = privateKeyToAddress(priv);
  return { priv, address, hex: bytesToHex(address) };
}

export interface TxParams {
  nonce: bigint;
  tip?: bigint;
  feeCap?: bigint;
  gas?: bigint;
  value?: bigint;
  data?: Uint8Array;
  chainId?: bigint | null;
  legacy?: boolean;
}

const TO = new Uint8Array(20).fill(0xaa);

/** A signed tx as it arrives from the wire: decoded from its bytes, sender not yet recovered. */
export function makeTx(s: Sender, p: TxParams): Transaction {
  const feeCap = p.feeCap ?? BASE_FEE + (p.tip ?? 0n);
  const chainId = p.chainId === null ? undefined : (p.chainId ?? CHAIN_ID);
  const signed = signTransaction(
    {
      type: p.legacy ? TxType.Legacy : TxType.DynamicFee,
      chainId,
      nonce: p.nonce,
      gasPrice: feeCap,
      maxFeePerGas: feeCap,
      maxPriorityFeePerGas: p.legacy ? feeCap : (p.tip ?? 0n),
      gasLimit: p.gas ?? 21_000n,
      to: TO,
      value: p.value ?? 1n,
      data: p.data ?? new Uint8Array(0),
      accessList: [],
    },
    s.priv,
  );
  return decodeTransaction(signed.raw);
}

/** Same tx with an r for which no curve point exists, so recovery yields null. */
export async function withUnrecoverableSignature(tx: Transaction): Promise<Transaction> {
  const v = new MainThreadSigVerifier();
  for (let r = 2n; ; r++) {
    const bad = { ...tx, r, sender: undefined };
    const [addr] = await v.recoverAddresses([
      { hash: transactionSigningHash(bad), signature: transactionSignature(bad) },
    ]);
    if (addr === null) return bad;
  }
}

export function makePool(
  opts: Partial<TxPoolOptions> = {},
  chain = new FakeChain(),
  verifier: SigVerifier = new CountingVerifier(),
): { pool: TxPool; chain: FakeChain } {
  return { pool: new TxPool(opts, { logger: nullLogger(), sigVerifier: verifier, chain }), chain };
}

export function nonces(txs: Transaction[]): bigint[] {
  return txs.map((t) => t.nonce);
}

import { bigIntToFixedBytes, bytesToBigInt, concatBytes } from "@knode/common";
import {
  keccak256,
  privateKeyToAddress,
  publicKeyToAddress,
  recoverPublicKey,
  SECP256K1_N,
  SECP256K1_N_HALF,
  sign,
} from "@knode/crypto";
import { TypesError, TypesErrorCode, withTypesCode } from "./errors.js";
import { type AccessList, type Transaction, TxType } from "./model.js";
import {
  type RlpInput,
  type RlpValue,
  rlpAddress,
  rlpBigInt,
  rlpBytes,
  rlpDecode,
  rlpEncode,
  rlpFixedBytes,
  rlpList,
  rlpOptionalAddress,
} from "./rlp.js";

/** A transaction before signing: everything but the signature and what derives from the bytes. */
export type UnsignedTransaction = Omit<Transaction, "v" | "r" | "s" | "raw" | "hash" | "sender">;

/** Nonce and gas limit are uint64 in every client; wider values are malformed, not merely too big. */
const UINT64_BYTES = 8;

function invalidTx(message: string, field?: string): TypesError {
  return new TypesError({ code: TypesErrorCode.INVALID_TX, field }, `invalid transaction: ${message}`);
}

function expectFields(list: RlpValue[], count: number, what: string): void {
  if (list.length !== count) throw invalidTx(`${what} must have ${count} fields, got ${list.length}`);
}

function decodeAccessList(v: RlpValue): AccessList {
  const entries = rlpList(v, "accessList");
  const out: AccessList = new Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = rlpList(entries[i], `accessList[${i}]`);
    if (entry.length !== 2) throw invalidTx(`accessList[${i}] must be [address, storageKeys]`, "accessList");
    const keys = rlpList(entry[1], `accessList[${i}].storageKeys`);
    out[i] = {
      address: rlpAddress(entry[0], `accessList[${i}].address`),
      storageKeys: keys.map((k, j) => rlpFixedBytes(k, `accessList[${i}].storageKeys[${j}]`, 32)),
    };
  }
  return out;
}

function encodeAccessList(al: AccessList): RlpInput {
  return al.map((e) => [e.address, e.storageKeys]);
}

/** EIP-2 and the curve order: r in [1, N-1], s in [1, N/2]. */
function checkSignatureValues(r: bigint, s: bigint): void {
  if (r === 0n || r >= SECP256K1_N) throw invalidTx("signature r out of range", "r");
  if (s === 0n || s > SECP256K1_N_HALF) throw invalidTx("signature s out of range (EIP-2 low s)", "s");
}

interface CommonFields {
  nonce: bigint;
  gasLimit: bigint;
  to: Uint8Array | null;
  value: bigint;
  data: Uint8Array;
}

function decodeLegacy(raw: Uint8Array, f: RlpValue[], hash: Uint8Array): Transaction {
  expectFields(f, 9, "legacy transaction");
  const gasPrice = rlpBigInt(f[1], "gasPrice");
  const v = rlpBigInt(f[6], "v");
  const r = rlpBigInt(f[7], "r");
  const s = rlpBigInt(f[8], "s");
  let chainId: bigint | undefined;
  if (v === 27n || v === 28n) chainId = undefined;
  else if (v >= 37n) chainId = (v - 35n) >> 1n;
  else throw invalidTx(`invalid v ${v} (expected 27, 28 or chainId*2+35/36 with chainId >= 1)`, "v");
  checkSignatureValues(r, s);
  return {
    type: TxType.Legacy,
    chainId,
    nonce: rlpBigInt(f[0], "nonce", UINT64_BYTES),
    gasPrice,
    maxPriorityFeePerGas: gasPrice,
    maxFeePerGas: gasPrice,
    gasLimit: rlpBigInt(f[2], "gasLimit", UINT64_BYTES),
    to: rlpOptionalAddress(f[3], "to"),
    value: rlpBigInt(f[4], "value"),
    data: rlpBytes(f[5], "data"),
    accessList: [],
    v,
    r,
    s,
    raw,
    hash,
  };
}

function decodeTyped(raw: Uint8Array, type: TxType.AccessList | TxType.DynamicFee, hash: Uint8Array): Transaction {
  const f = rlpList(rlpDecode(raw.subarray(1)), "transaction");
  const dynamic = type === TxType.DynamicFee;
  expectFields(f, dynamic ? 12 : 11, dynamic ? "EIP-1559 transaction" : "EIP-2930 transaction");
  const chainId = rlpBigInt(f[0], "chainId");
  const nonce = rlpBigInt(f[1], "nonce", UINT64_BYTES);
  let i = 2;
  let maxPriorityFeePerGas: bigint;
  let maxFeePerGas: bigint;
  if (dynamic) {
    maxPriorityFeePerGas = rlpBigInt(f[i++], "maxPriorityFeePerGas");
    maxFeePerGas = rlpBigInt(f[i++], "maxFeePerGas");
  } else {
    maxFeePerGas = rlpBigInt(f[i++], "gasPrice");
    maxPriorityFeePerGas = maxFeePerGas;
  }
  const common: CommonFields = {
    nonce,
    gasLimit: rlpBigInt(f[i++], "gasLimit", UINT64_BYTES),
    to: rlpOptionalAddress(f[i++], "to"),
    value: rlpBigInt(f[i++], "value"),
    data: rlpBytes(f[i++], "data"),
  };
  const accessList = decodeAccessList(f[i++]);
  const v = rlpBigInt(f[i++], "yParity");
  const r = rlpBigInt(f[i++], "r");
  const s = rlpBigInt(f[i++], "s");
  if (v > 1n) throw invalidTx(`invalid y-parity ${v}`, "yParity");
  checkSignatureValues(r, s);
  return {
    type,
    chainId,
    ...common,
    gasPrice: maxFeePerGas,
    maxPriorityFeePerGas,
    maxFeePerGas,
    accessList,
    v,
    r,
    s,
    raw,
    hash,
  };
}

/**
 * Decodes and statically validates a transaction from its canonical bytes (legacy RLP list, or an
 * EIP-2718 type byte followed by the RLP payload). The sender is not recovered here: that is the costly
 * step, batched by the caller through a SigVerifier.
 */
/**
 * Strict decoding of a signed transaction (no sender recovery). `hash` may pass keccak256(raw) when the
 * caller already computed it (gossip de-duplicates by hash before decoding), sparing a second hash.
 */
export function decodeTransaction(raw: Uint8Array, hash?: Uint8Array): Transaction {
  return withTypesCode(TypesErrorCode.INVALID_TX, "transaction", () => {
    if (raw.length === 0) throw invalidTx("empty input");
    const first = raw[0];
    const h = hash ?? keccak256(raw);
    if (first >= 0xc0) return decodeLegacy(raw, rlpList(rlpDecode(raw), "transaction"), h);
    if (first === TxType.AccessList || first === TxType.DynamicFee) return decodeTyped(raw, first, h);
    if (first <= 0x7f) throw invalidTx(`unsupported transaction type 0x${first.toString(16).padStart(2, "0")}`, "type");
    throw invalidTx("expected an RLP list or a typed envelope");
  });
}

function unsignedFields(tx: UnsignedTransaction): RlpInput[] {
  switch (tx.type) {
    case TxType.Legacy:
      return [tx.nonce, tx.gasPrice, tx.gasLimit, tx.to ?? new Uint8Array(0), tx.value, tx.data];
    case TxType.AccessList:
      return [
        requireChainId(tx),
        tx.nonce,
        tx.gasPrice,
        tx.gasLimit,
        tx.to ?? new Uint8Array(0),
        tx.value,
        tx.data,
        encodeAccessList(tx.accessList),
      ];
    case TxType.DynamicFee:
      return [
        requireChainId(tx),
        tx.nonce,
        tx.maxPriorityFeePerGas,
        tx.maxFeePerGas,
        tx.gasLimit,
        tx.to ?? new Uint8Array(0),
        tx.value,
        tx.data,
        encodeAccessList(tx.accessList),
      ];
    default:
      throw invalidTx(`unsupported transaction type ${String(tx.type)}`, "type");
  }
}

function requireChainId(tx: UnsignedTransaction): bigint {
  if (tx.chainId === undefined) throw invalidTx("typed transactions need a chainId", "chainId");
  return tx.chainId;
}

/** The digest the sender signs: EIP-155 for legacy txs with a chain id, EIP-2718 type-prefixed for typed. */
export function transactionSigningHash(tx: UnsignedTransaction): Uint8Array {
  const fields = unsignedFields(tx);
  if (tx.type === TxType.Legacy) {
    if (tx.chainId !== undefined) fields.push(tx.chainId, 0n, 0n);
    return keccak256(rlpEncode(fields));
  }
  return keccak256(concatBytes(Uint8Array.of(tx.type), rlpEncode(fields)));
}

/** The recovery id (0..1) encoded in v. */
function recoveryId(tx: Transaction): number {
  if (tx.type !== TxType.Legacy) return Number(tx.v);
  if (tx.chainId === undefined) return Number(tx.v - 27n);
  return Number(tx.v - 35n - tx.chainId * 2n);
}

/** 65 bytes r‖s‖recid, the shape SigVerifier jobs take. */
export function transactionSignature(tx: Transaction): Uint8Array {
  const out = new Uint8Array(65);
  out.set(bigIntToFixedBytes(tx.r, 32), 0);
  out.set(bigIntToFixedBytes(tx.s, 32), 32);
  out[64] = recoveryId(tx);
  return out;
}

/** Synchronous recovery for callers off the hot path; sets and returns `tx.sender`. */
export function recoverTransactionSender(tx: Transaction): Uint8Array {
  if (tx.sender) return tx.sender;
  let pub: Uint8Array;
  try {
    pub = recoverPublicKey(transactionSigningHash(tx), transactionSignature(tx));
  } catch (e) {
    throw invalidTx(`sender not recoverable (${e instanceof Error ? e.message : String(e)})`, "signature");
  }
  tx.sender = publicKeyToAddress(pub);
  return tx.sender;
}

/** Canonical bytes of a signed transaction given its fields. */
export function encodeTransaction(tx: UnsignedTransaction & { v: bigint; r: bigint; s: bigint }): Uint8Array {
  const fields = unsignedFields(tx);
  fields.push(tx.v, tx.r, tx.s);
  const body = rlpEncode(fields);
  return tx.type === TxType.Legacy ? body : concatBytes(Uint8Array.of(tx.type), body);
}

export function signTransaction(tx: UnsignedTransaction, privateKey: Uint8Array): Transaction {
  const hash = transactionSigningHash(tx);
  const sig = sign(hash, privateKey);
  const recid = BigInt(sig[64]);
  let v: bigint;
  if (tx.type !== TxType.Legacy) v = recid;
  else if (tx.chainId === undefined) v = 27n + recid;
  else v = tx.chainId * 2n + 35n + recid;
  const r = bytesToBigInt(sig.subarray(0, 32));
  const s = bytesToBigInt(sig.subarray(32, 64));
  // Keep the three fee fields consistent with the type, as decodeTransaction would produce them.
  const fees =
    tx.type === TxType.DynamicFee
      ? { gasPrice: tx.maxFeePerGas, maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas }
      : { gasPrice: tx.gasPrice, maxFeePerGas: tx.gasPrice, maxPriorityFeePerGas: tx.gasPrice };
  const signed = { ...tx, ...fees, accessList: tx.type === TxType.Legacy ? [] : tx.accessList, v, r, s };
  const raw = encodeTransaction(signed);
  // Decoding our own bytes applies every static rule (field widths, chain id...) to what we produce.
  const out = decodeTransaction(raw);
  out.sender = privateKeyToAddress(privateKey);
  return out;
}

import { getRandomValues } from "node:crypto";
import { createRequire } from "node:module";
import { secp256k1 as noble } from "@noble/curves/secp256k1.js";
import { CryptoError, CryptoErrorCode } from "./errors.js";
import { keccak256 } from "./keccak.js";

/** Order of the secp256k1 group. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** EIP-2: signatures with s above N/2 are malleable twins and are rejected in transactions. */
export const SECP256K1_N_HALF = SECP256K1_N >> 1n;

const N_BYTES = Uint8Array.from(Buffer.from(SECP256K1_N.toString(16), "hex"));

/** The subset of the `secp256k1` package's native API we use. */
interface NativeSecp256k1 {
  privateKeyVerify(priv: Uint8Array): boolean;
  publicKeyCreate(priv: Uint8Array, compressed: boolean): Uint8Array;
  ecdsaSign(hash: Uint8Array, priv: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaRecover(sig: Uint8Array, recid: number, hash: Uint8Array, compressed: boolean): Uint8Array;
}

/** One implementation of the three primitives; the native and noble ones must agree bit for bit. */
export interface Secp256k1Backend {
  /** 65 bytes r‖s‖recid, low-s. Inputs already validated. */
  sign(hash: Uint8Array, priv: Uint8Array): Uint8Array;
  /** 65-byte uncompressed key; throws any error on failure (callers wrap it). Inputs already range-checked. */
  recover(hash: Uint8Array, sig65: Uint8Array): Uint8Array;
  publicKey(priv: Uint8Array): Uint8Array;
}

function loadNative(): NativeSecp256k1 | null {
  try {
    const lib = createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
    return typeof lib.ecdsaRecover === "function" ? lib : null;
  } catch {
    return null;
  }
}

const native = loadNative();

/** True when signing and recovery run on libsecp256k1 rather than the ~30x slower pure-JS fallback. */
export const nativeSecp256k1: boolean = native !== null;

function nativeBackend(lib: NativeSecp256k1): Secp256k1Backend {
  return {
    sign(hash, priv) {
      const { signature, recid } = lib.ecdsaSign(hash, priv);
      const out = new Uint8Array(65);
      out.set(signature, 0);
      out[64] = recid;
      return out;
    },
    recover(hash, sig65) {
      return lib.ecdsaRecover(sig65.subarray(0, 64), sig65[64], hash, false);
    },
    publicKey(priv) {
      return lib.publicKeyCreate(priv, false);
    },
  };
}

/** The pure-JS implementation, always available; exported so tests can check it against the native one. */
export const nobleSecp256k1: Secp256k1Backend = {
  sign(hash, priv) {
    // noble's "recovered" layout is recid‖r‖s; ours (and Ethereum's) is r‖s‖recid.
    const rec = noble.sign(hash, priv, { prehash: false, lowS: true, format: "recovered" });
    const out = new Uint8Array(65);
    out.set(rec.subarray(1), 0);
    out[64] = rec[0];
    return out;
  },
  recover(hash, sig65) {
    const rec = new Uint8Array(65);
    rec[0] = sig65[64];
    rec.set(sig65.subarray(0, 64), 1);
    return noble.Signature.fromBytes(rec, "recovered").recoverPublicKey(hash).toBytes(false);
  },
  publicKey(priv) {
    return noble.getPublicKey(priv, false);
  },
};

const backend: Secp256k1Backend = native ? nativeBackend(native) : nobleSecp256k1;

/** A 32-byte big-endian scalar in [1, N-1], compared bytewise to avoid a bigint conversion. */
function isValidScalar(b: Uint8Array, offset: number): boolean {
  let nonZero = false;
  let decided = false;
  let less = false;
  for (let i = 0; i < 32; i++) {
    const x = b[offset + i];
    if (x !== 0) nonZero = true;
    if (!decided && x !== N_BYTES[i]) {
      decided = true;
      less = x < N_BYTES[i];
    }
  }
  return nonZero && less;
}

export function isValidPrivateKey(priv: Uint8Array): boolean {
  return priv instanceof Uint8Array && priv.length === 32 && isValidScalar(priv, 0);
}

function assertPrivateKey(priv: Uint8Array): void {
  if (!isValidPrivateKey(priv)) {
    throw new CryptoError({ code: CryptoErrorCode.INVALID_PRIVATE_KEY }, "invalid secp256k1 private key");
  }
}

function invalidSignature(reason: string): CryptoError {
  return new CryptoError({ code: CryptoErrorCode.INVALID_SIGNATURE, reason }, `invalid signature: ${reason}`);
}

function checkSignatureInput(hash: Uint8Array, sig: Uint8Array): void {
  if (hash.length !== 32) throw invalidSignature("hash must be 32 bytes");
  if (sig.length !== 65) throw invalidSignature("signature must be 65 bytes");
  if (!isValidScalar(sig, 0)) throw invalidSignature("r out of range");
  if (!isValidScalar(sig, 32)) throw invalidSignature("s out of range");
  if (sig[64] > 3) throw invalidSignature("recovery id above 3");
}

/** Signs a 32-byte digest: 65 bytes r‖s‖recid with recid 0/1 and low s. */
export function sign(hash: Uint8Array, privateKey: Uint8Array): Uint8Array {
  if (hash.length !== 32) throw invalidSignature("hash must be 32 bytes");
  assertPrivateKey(privateKey);
  return backend.sign(hash, privateKey);
}

function recoverWith(impl: Secp256k1Backend, hash: Uint8Array, signature: Uint8Array): Uint8Array {
  checkSignatureInput(hash, signature);
  try {
    return impl.recover(hash, signature);
  } catch {
    throw invalidSignature("public key not recoverable");
  }
}

/** 65-byte uncompressed public key (0x04‖x‖y). High s is accepted here; transaction rules reject it. */
export function recoverPublicKey(hash: Uint8Array, signature: Uint8Array): Uint8Array {
  return recoverWith(backend, hash, signature);
}

/** Same as recoverPublicKey on the pure-JS path, for equivalence tests. */
export function nobleRecoverPublicKey(hash: Uint8Array, signature: Uint8Array): Uint8Array {
  return recoverWith(nobleSecp256k1, hash, signature);
}

/** Accepts 65-byte uncompressed (0x04 prefix) or 64-byte raw keys. */
export function publicKeyToAddress(pub: Uint8Array): Uint8Array {
  let xy: Uint8Array;
  if (pub.length === 65 && pub[0] === 4) xy = pub.subarray(1);
  else if (pub.length === 64) xy = pub;
  else throw new CryptoError({ code: CryptoErrorCode.INVALID_PUBLIC_KEY }, "public key must be 64 or 65 bytes");
  return keccak256(xy).subarray(12);
}

export function recoverAddress(hash: Uint8Array, signature: Uint8Array): Uint8Array {
  return publicKeyToAddress(recoverPublicKey(hash, signature));
}

export function privateKeyToPublicKey(priv: Uint8Array): Uint8Array {
  assertPrivateKey(priv);
  return backend.publicKey(priv);
}

export function privateKeyToAddress(priv: Uint8Array): Uint8Array {
  return publicKeyToAddress(privateKeyToPublicKey(priv));
}

export function randomPrivateKey(): Uint8Array {
  for (;;) {
    const key = getRandomValues(new Uint8Array(32));
    // The chance of an invalid key is ~2^-128, but the loop costs nothing.
    if (isValidScalar(key, 0)) return key;
  }
}

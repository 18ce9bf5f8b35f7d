import { createCipheriv, createDecipheriv, getRandomValues, randomUUID, timingSafeEqual } from "node:crypto";
import { bytesToHex, concatBytes, hexToBytes } from "@knode/common";
import { pbkdf2Async } from "@noble/hashes/pbkdf2.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { CryptoError, CryptoErrorCode } from "./errors.js";
import { keccak256 } from "./keccak.js";
import { isValidPrivateKey, privateKeyToAddress } from "./secp256k1.js";

export interface ScryptParams {
  dklen: number;
  n: number;
  r: number;
  p: number;
  salt: string;
}

export interface Pbkdf2Params {
  dklen: number;
  c: number;
  prf: "hmac-sha256";
  salt: string;
}

/** Web3 Secret Storage v3, as geth and Klaytn write it (hex without 0x). */
export interface KeystoreV3 {
  address: string;
  crypto: {
    cipher: "aes-128-ctr";
    ciphertext: string;
    cipherparams: { iv: string };
    kdf: "scrypt" | "pbkdf2";
    kdfparams: ScryptParams | Pbkdf2Params;
    mac: string;
  };
  id: string;
  version: 3;
}

export interface EncryptKeystoreOptions {
  /** scrypt cost; geth's "standard" 262144 by default, tests use 4096. */
  scryptN?: number;
}

/** geth's standard scrypt parameters (keystore.StandardScryptN/P, r fixed at 8). */
const DEFAULT_SCRYPT_N = 262144;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const DKLEN = 32;

function invalid(field: string): CryptoError {
  return new CryptoError({ code: CryptoErrorCode.KEYSTORE_INVALID, field }, `invalid keystore: bad ${field}`);
}

function aes128ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array, encrypt: boolean): Uint8Array {
  const c = encrypt ? createCipheriv("aes-128-ctr", key, iv) : createDecipheriv("aes-128-ctr", key, iv);
  const out = Buffer.concat([c.update(data), c.final()]);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function noPrefix(hex: string): string {
  return hex.slice(2);
}

export async function encryptKeystore(
  privateKey: Uint8Array,
  password: string,
  opts: EncryptKeystoreOptions = {},
): Promise<KeystoreV3> {
  if (!isValidPrivateKey(privateKey)) {
    throw new CryptoError({ code: CryptoErrorCode.INVALID_PRIVATE_KEY }, "invalid secp256k1 private key");
  }
  const n = opts.scryptN ?? DEFAULT_SCRYPT_N;
  const salt = getRandomValues(new Uint8Array(32));
  const iv = getRandomValues(new Uint8Array(16));
  const dk = await scryptAsync(password, salt, { N: n, r: SCRYPT_R, p: SCRYPT_P, dkLen: DKLEN });
  const ciphertext = aes128ctr(dk.subarray(0, 16), iv, privateKey, true);
  const mac = keccak256(concatBytes(dk.subarray(16, 32), ciphertext));
  return {
    address: noPrefix(bytesToHex(privateKeyToAddress(privateKey))),
    crypto: {
      cipher: "aes-128-ctr",
      ciphertext: noPrefix(bytesToHex(ciphertext)),
      cipherparams: { iv: noPrefix(bytesToHex(iv)) },
      kdf: "scrypt",
      kdfparams: { dklen: DKLEN, n, r: SCRYPT_R, p: SCRYPT_P, salt: noPrefix(bytesToHex(salt)) },
      mac: noPrefix(bytesToHex(mac)),
    },
    id: randomUUID(),
    version: 3,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hexField(obj: Record<string, unknown>, key: string, path: string): Uint8Array {
  const v = obj[key];
  if (typeof v !== "string") throw invalid(path);
  const s = v.startsWith("0x") ? v : `0x${v}`;
  if (!/^0x([0-9a-fA-F]{2})*$/.test(s)) throw invalid(path);
  return hexToBytes(s);
}

function intField(obj: Record<string, unknown>, key: string, path: string, max: number): number {
  const v = obj[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0 || v > max) throw invalid(path);
  return v;
}

async function deriveKey(c: Record<string, unknown>, password: string): Promise<Uint8Array> {
  const params = c.kdfparams;
  if (!isRecord(params)) throw invalid("crypto.kdfparams");
  const salt = hexField(params, "salt", "crypto.kdfparams.salt");
  const dkLen = intField(params, "dklen", "crypto.kdfparams.dklen", 1024);
  if (dkLen < 32) throw invalid("crypto.kdfparams.dklen");
  if (c.kdf === "scrypt") {
    const N = intField(params, "n", "crypto.kdfparams.n", 2 ** 30);
    const r = intField(params, "r", "crypto.kdfparams.r", 1024);
    const p = intField(params, "p", "crypto.kdfparams.p", 1024);
    // noble refuses N that is not a power of two or too much memory; report both as a bad keystore.
    try {
      return await scryptAsync(password, salt, { N, r, p, dkLen, maxmem: 2 ** 31 });
    } catch {
      throw invalid("crypto.kdfparams");
    }
  }
  if (c.kdf === "pbkdf2") {
    if (params.prf !== "hmac-sha256") throw invalid("crypto.kdfparams.prf");
    const iterations = intField(params, "c", "crypto.kdfparams.c", 2 ** 31);
    return pbkdf2Async(sha256, password, salt, { c: iterations, dkLen });
  }
  throw invalid("crypto.kdf");
}

/** Accepts scrypt and pbkdf2 (hmac-sha256) files; `Crypto` is accepted as geth does for old files. */
export async function decryptKeystore(json: unknown, password: string): Promise<Uint8Array> {
  let obj: unknown = json;
  if (typeof json === "string") {
    try {
      obj = JSON.parse(json);
    } catch {
      throw invalid("json");
    }
  }
  if (!isRecord(obj)) throw invalid("json");
  if (obj.version !== 3) throw invalid("version");
  const c = obj.crypto ?? obj.Crypto;
  if (!isRecord(c)) throw invalid("crypto");
  if (c.cipher !== "aes-128-ctr") throw invalid("crypto.cipher");
  if (!isRecord(c.cipherparams)) throw invalid("crypto.cipherparams");
  const iv = hexField(c.cipherparams, "iv", "crypto.cipherparams.iv");
  if (iv.length !== 16) throw invalid("crypto.cipherparams.iv");
  const ciphertext = hexField(c, "ciphertext", "crypto.ciphertext");
  const mac = hexField(c, "mac", "crypto.mac");
  if (mac.length !== 32) throw invalid("crypto.mac");
  const dk = await deriveKey(c, password);
  const expected = keccak256(concatBytes(dk.subarray(16, 32), ciphertext));
  if (!timingSafeEqual(expected, mac)) {
    throw new CryptoError(
      { code: CryptoErrorCode.KEYSTORE_WRONG_PASSWORD },
      "could not decrypt key with given password",
    );
  }
  const priv = aes128ctr(dk.subarray(0, 16), iv, ciphertext, false);
  if (!isValidPrivateKey(priv)) throw invalid("crypto.ciphertext");
  return priv;
}

import { readFileSync } from "node:fs";
import path from "node:path";
import { bytesToHex, isKnodeError } from "@knode/common";
import { describe, expect, it } from "vitest";
import {
  CryptoErrorCode,
  decryptKeystore,
  encryptKeystore,
  privateKeyToAddress,
  randomPrivateKey,
} from "../src/index.js";
import { FIXTURES } from "./fixtures.js";

interface KeystoreVector {
  json: unknown;
  password: string;
  priv: string;
}

const vectors: Record<string, KeystoreVector> = JSON.parse(
  readFileSync(path.join(FIXTURES, "ethereum-tests/KeyStoreTests/basic_tests.json"), "utf8"),
);

interface MutableKeystore {
  version?: unknown;
  crypto?: {
    cipher: unknown;
    kdf: unknown;
    mac: unknown;
    kdfparams: Record<string, unknown>;
    cipherparams: Record<string, unknown>;
  };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isKnodeError(e) ? e.type.code : String(e);
  }
  return undefined;
}

describe("KeyStoreTests/basic_tests.json", () => {
  it.each(Object.entries(vectors))("%s decrypts to the expected key", async (_name, v) => {
    const priv = await decryptKeystore(v.json, v.password);
    expect(bytesToHex(priv)).toBe(`0x${v.priv}`);
  });

  it("rejects a wrong password with the MAC check", async () => {
    const v = vectors.mycrypto;
    expect(await codeOf(decryptKeystore(v.json, `${v.password}x`))).toBe(CryptoErrorCode.KEYSTORE_WRONG_PASSWORD);
  });
});

describe("encryptKeystore", () => {
  it("writes geth-shaped v3 JSON that decrypts back (also from its string form)", async () => {
    const priv = randomPrivateKey();
    const ks = await encryptKeystore(priv, "pw", { scryptN: 4096 });
    expect(ks.version).toBe(3);
    expect(ks.address).toBe(bytesToHex(privateKeyToAddress(priv)).slice(2));
    expect(ks.crypto.kdf).toBe("scrypt");
    expect(ks.crypto.kdfparams).toMatchObject({ n: 4096, r: 8, p: 1, dklen: 32 });
    expect(ks.crypto.ciphertext).toMatch(/^[0-9a-f]{64}$/);
    expect(ks.crypto.mac).toMatch(/^[0-9a-f]{64}$/);
    expect(ks.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await decryptKeystore(ks, "pw")).toEqual(priv);
    expect(await decryptKeystore(JSON.stringify(ks), "pw")).toEqual(priv);
    expect(await codeOf(decryptKeystore(ks, "wrong"))).toBe(CryptoErrorCode.KEYSTORE_WRONG_PASSWORD);
    const other = await encryptKeystore(priv, "pw", { scryptN: 4096 });
    expect(other.crypto.ciphertext).not.toBe(ks.crypto.ciphertext);
  });

  it("rejects malformed files with CRYPTO_KEYSTORE_INVALID", async () => {
    const ks = await encryptKeystore(randomPrivateKey(), "pw", { scryptN: 4096 });
    const mutate = (f: (o: MutableKeystore) => void): unknown => {
      const o: MutableKeystore = JSON.parse(JSON.stringify(ks));
      f(o);
      return o;
    };
    const bad: unknown[] = [
      null,
      "not json",
      [],
      mutate((o) => {
        o.version = 2;
      }),
      mutate((o) => {
        delete o.crypto;
      }),
      mutate((o) => {
        if (o.crypto) o.crypto.cipher = "aes-256-cbc";
      }),
      mutate((o) => {
        if (o.crypto) o.crypto.kdf = "argon2";
      }),
      mutate((o) => {
        if (o.crypto) o.crypto.kdfparams.n = 4095;
      }),
      mutate((o) => {
        if (o.crypto) o.crypto.kdfparams.salt = "xyz";
      }),
      mutate((o) => {
        if (o.crypto) o.crypto.cipherparams.iv = "00";
      }),
      mutate((o) => {
        if (o.crypto) o.crypto.mac = 5;
      }),
      mutate((o) => {
        if (o.crypto) o.crypto.kdfparams.dklen = 16;
      }),
    ];
    for (const b of bad) expect(await codeOf(decryptKeystore(b, "pw"))).toBe(CryptoErrorCode.KEYSTORE_INVALID);
  });
});

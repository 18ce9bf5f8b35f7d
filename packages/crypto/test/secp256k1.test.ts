import { readFileSync } from "node:fs";
import path from "node:path";
import { bigIntToFixedBytes, bytesToHex, hexToBytes, isKnodeError } from "@knode/common";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assertNativeCrypto,
  CryptoErrorCode,
  isValidPrivateKey,
  keccak256,
  nativeKeccak,
  nativeSecp256k1,
  nobleKeccak256,
  nobleRecoverPublicKey,
  nobleSecp256k1,
  privateKeyToAddress,
  privateKeyToPublicKey,
  publicKeyToAddress,
  randomPrivateKey,
  recoverAddress,
  recoverPublicKey,
  SECP256K1_N,
  SECP256K1_N_HALF,
  sign,
} from "../src/index.js";
import { FIXTURES } from "./fixtures.js";

interface KeyAddrVector {
  seed: string;
  key: string;
  addr: string;
}

const keyaddr: KeyAddrVector[] = JSON.parse(
  readFileSync(path.join(FIXTURES, "ethereum-tests/BasicTests/keyaddrtest.json"), "utf8"),
);

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(isKnodeError(caught, code), `expected ${code}, got ${String(caught)}`).toBe(true);
}

describe("native bindings", () => {
  it("both load in this environment", () => {
    expect(nativeKeccak).toBe(true);
    expect(nativeSecp256k1).toBe(true);
    expect(() => assertNativeCrypto()).not.toThrow();
  });
});

describe("keccak256", () => {
  it("matches known digests", () => {
    expect(bytesToHex(keccak256(new Uint8Array(0)))).toBe(
      "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    );
    expect(bytesToHex(keccak256(new TextEncoder().encode("abc")))).toBe(
      "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
    );
  });

  it("native and noble agree on arbitrary inputs, including rate-boundary lengths", () => {
    for (const len of [0, 1, 135, 136, 137, 271, 272, 1000]) {
      const d = new Uint8Array(len).map((_, i) => (i * 31 + len) & 0xff);
      expect(keccak256(d)).toEqual(nobleKeccak256(d));
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (d) => {
        expect(keccak256(d)).toEqual(nobleKeccak256(d));
      }),
      { numRuns: 200 },
    );
  });

  it("does not alias its output across calls", () => {
    const a = keccak256(Uint8Array.of(1));
    const copy = a.slice();
    keccak256(Uint8Array.of(2));
    expect(a).toEqual(copy);
  });
});

describe("keyaddrtest.json", () => {
  // The file's sig_of_emptystring comes from pyethereum's pre-release signing of an unspecified message
  // digest, so only the key → address mapping is a usable vector; signing is checked on the same keys.
  it.each(keyaddr.map((v) => [v.seed, v] as const))("%s", (_seed, v) => {
    const priv = hexToBytes(`0x${v.key}`);
    expect(bytesToHex(privateKeyToAddress(priv))).toBe(`0x${v.addr}`);
    expect(bytesToHex(publicKeyToAddress(nobleSecp256k1.publicKey(priv)))).toBe(`0x${v.addr}`);
    const hash = keccak256(new Uint8Array(0));
    const sig = sign(hash, priv);
    expect(nobleSecp256k1.sign(hash, priv)).toEqual(sig);
    expect(bytesToHex(recoverAddress(hash, sig))).toBe(`0x${v.addr}`);
  });
});

describe("sign / recover", () => {
  it("round-trips and native equals noble", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (hash, seed) => {
          const priv = keccak256(seed);
          fc.pre(isValidPrivateKey(priv));
          const sig = sign(hash, priv);
          expect(sig.length).toBe(65);
          expect(sig[64]).toBeLessThanOrEqual(1);
          const s = BigInt(bytesToHex(sig.subarray(32, 64)));
          expect(s <= SECP256K1_N_HALF).toBe(true);
          expect(nobleSecp256k1.sign(hash, priv)).toEqual(sig);
          const pub = recoverPublicKey(hash, sig);
          expect(pub).toEqual(privateKeyToPublicKey(priv));
          expect(nobleRecoverPublicKey(hash, sig)).toEqual(pub);
          expect(nobleSecp256k1.publicKey(priv)).toEqual(pub);
          expect(recoverAddress(hash, sig)).toEqual(privateKeyToAddress(priv));
        },
      ),
      { numRuns: 50 },
    );
  });

  it("accepts the high-s twin (malleability is a transaction rule) and recovers the same key", () => {
    const priv = randomPrivateKey();
    const hash = keccak256(Uint8Array.of(9));
    const sig = sign(hash, priv);
    const s = BigInt(bytesToHex(sig.subarray(32, 64)));
    const twin = sig.slice();
    twin.set(bigIntToFixedBytes(SECP256K1_N - s, 32), 32);
    twin[64] = sig[64] ^ 1;
    expect(recoverAddress(hash, twin)).toEqual(privateKeyToAddress(priv));
    expect(nobleRecoverPublicKey(hash, twin)).toEqual(recoverPublicKey(hash, twin));
  });

  it("rejects malformed signatures with CRYPTO_INVALID_SIGNATURE on both paths", () => {
    const priv = randomPrivateKey();
    const hash = keccak256(Uint8Array.of(1, 2, 3));
    const sig = sign(hash, priv);
    const n = bigIntToFixedBytes(SECP256K1_N, 32);
    const bad: Uint8Array[] = [
      sig.subarray(0, 64),
      Uint8Array.of(...sig, 0),
      (() => {
        const b = sig.slice();
        b.set(new Uint8Array(32), 0);
        return b;
      })(),
      (() => {
        const b = sig.slice();
        b.set(new Uint8Array(32), 32);
        return b;
      })(),
      (() => {
        const b = sig.slice();
        b.set(n, 0);
        return b;
      })(),
      (() => {
        const b = sig.slice();
        b.set(n, 32);
        return b;
      })(),
      (() => {
        const b = sig.slice();
        b[64] = 4;
        return b;
      })(),
      (() => {
        const b = sig.slice();
        b[64] = 27;
        return b;
      })(),
    ];
    for (const b of bad) {
      expectCode(() => recoverPublicKey(hash, b), CryptoErrorCode.INVALID_SIGNATURE);
      expectCode(() => nobleRecoverPublicKey(hash, b), CryptoErrorCode.INVALID_SIGNATURE);
    }
    expectCode(() => recoverPublicKey(hash.subarray(1), sig), CryptoErrorCode.INVALID_SIGNATURE);
  });

  it("rejects an r that is not the x of any curve point on both paths", () => {
    // x = 5 has no y on secp256k1 (5^3+7 = 132 is a non-residue mod p), so nothing can be recovered.
    const hash = keccak256(Uint8Array.of(7));
    const b = new Uint8Array(65);
    b[31] = 5;
    b[63] = 1;
    expectCode(() => recoverPublicKey(hash, b), CryptoErrorCode.INVALID_SIGNATURE);
    expectCode(() => nobleRecoverPublicKey(hash, b), CryptoErrorCode.INVALID_SIGNATURE);
  });

  it("validates private keys", () => {
    expect(isValidPrivateKey(new Uint8Array(32))).toBe(false);
    expect(isValidPrivateKey(bigIntToFixedBytes(SECP256K1_N, 32))).toBe(false);
    expect(isValidPrivateKey(bigIntToFixedBytes(SECP256K1_N - 1n, 32))).toBe(true);
    expect(isValidPrivateKey(new Uint8Array(31).fill(1))).toBe(false);
    expectCode(() => sign(new Uint8Array(32), new Uint8Array(32)), CryptoErrorCode.INVALID_PRIVATE_KEY);
    const k = randomPrivateKey();
    expect(isValidPrivateKey(k)).toBe(true);
    expect(randomPrivateKey()).not.toEqual(k);
  });

  it("publicKeyToAddress accepts 64 and 65 bytes only", () => {
    const pub = privateKeyToPublicKey(randomPrivateKey());
    expect(publicKeyToAddress(pub.subarray(1))).toEqual(publicKeyToAddress(pub));
    expectCode(() => publicKeyToAddress(pub.subarray(2)), CryptoErrorCode.INVALID_PUBLIC_KEY);
  });
});

import { bigIntToBytes, bytesToBigInt, setLengthLeft, setLengthRight } from "@ethereumjs/util";
import { seededRandom } from "@knode/common";
import { describe, expect, it } from "vitest";
import {
  bytesToWord,
  bytesToWordLeftAligned,
  readWord,
  storageComparable,
  wordToBytes,
  wordToMinimalBytes,
  writeWord,
} from "../src/evmWords.js";

/** Words of every shape the limb arithmetic could get wrong: each 64-bit limb alone, runs, full. */
function words(): bigint[] {
  const r = seededRandom(256);
  const out = [0n, 1n, 255n, 256n, (1n << 256n) - 1n];
  for (let bit = 0; bit < 256; bit++) out.push(1n << BigInt(bit), ((1n << 256n) - 1n) >> BigInt(bit));
  for (let i = 0; i < 500; i++) {
    let v = 0n;
    const bytes = 1 + Math.floor(r() * 32);
    for (let b = 0; b < bytes; b++) v = (v << 8n) | BigInt(Math.floor(r() * 256));
    out.push(v);
  }
  return out;
}

describe("EVM words without hex strings", () => {
  it("converts a word to bytes exactly as @ethereumjs/util does", () => {
    for (const v of words()) {
      expect(wordToBytes(v), v.toString(16)).toEqual(setLengthLeft(bigIntToBytes(v), 32));
      if (v > 0n) expect(wordToMinimalBytes(v), v.toString(16)).toEqual(bigIntToBytes(v));
    }
  });

  it("returns fresh arrays that later conversions do not overwrite", () => {
    const a = wordToBytes(5n);
    const b = wordToMinimalBytes(1n << 200n);
    wordToBytes((1n << 256n) - 1n);
    expect(a[31]).toBe(5);
    expect(b.length).toBe(26);
    expect(b[0]).toBe(1);
  });

  it("reads words back from bytes of any length and position", () => {
    const store = new Uint8Array(100);
    for (const v of words()) {
      const at = Number(v % 60n);
      writeWord(store, at, v);
      expect(readWord(store, at)).toBe(v);
      expect(store.subarray(at, at + 32)).toEqual(setLengthLeft(bigIntToBytes(v), 32));
      const minimal = bigIntToBytes(v);
      expect(bytesToWord(minimal)).toBe(bytesToBigInt(minimal));
      expect(bytesToWordLeftAligned(minimal)).toBe(bytesToBigInt(setLengthRight(minimal, 32)));
    }
    expect(bytesToWord(new Uint8Array(0))).toBe(0n);
  });

  it("normalises stored values the way the EIP-2200 gas rules compare them", () => {
    expect(storageComparable(new Uint8Array(0)).length).toBe(0);
    expect(storageComparable(new Uint8Array(3)).length).toBe(0);
    expect(storageComparable(Uint8Array.of(0, 7))).toEqual(setLengthLeft(Uint8Array.of(7), 32));
    const full = wordToBytes((1n << 255n) + 9n);
    expect(storageComparable(full)).toBe(full);
  });
});

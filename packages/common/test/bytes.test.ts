import { describe, expect, it } from "vitest";
import {
  BytesError,
  bigIntToBytes,
  bytesToBigInt,
  bytesToHex,
  bytesToUint64,
  concatBytes,
  equalBytes,
  hexToBytes,
  hexToBytesLoose,
  padBytes,
  toQuantity,
  uint64ToBytes,
} from "../src/index.js";

describe("bytes", () => {
  it("round-trips hex for short and long inputs", () => {
    for (const len of [0, 1, 16, 17, 100]) {
      const b = Uint8Array.from({ length: len }, (_, i) => (i * 37) & 0xff);
      expect(hexToBytes(bytesToHex(b))).toEqual(b);
    }
    expect(bytesToHex(new Uint8Array([0, 255]))).toBe("0x00ff");
  });

  it("rejects malformed hex strictly", () => {
    for (const bad of ["", "00", "0x0", "0xzz", "0x 1"]) expect(() => hexToBytes(bad)).toThrow(BytesError);
    expect(hexToBytesLoose("0x1")).toEqual(new Uint8Array([1]));
  });

  it("encodes integers minimally", () => {
    expect(bigIntToBytes(0n)).toEqual(new Uint8Array(0));
    expect(bigIntToBytes(256n)).toEqual(new Uint8Array([1, 0]));
    expect(bytesToBigInt(new Uint8Array([1, 0]))).toBe(256n);
    expect(() => bigIntToBytes(-1n)).toThrow(RangeError);
    expect(toQuantity(0n)).toBe("0x0");
    expect(toQuantity(255)).toBe("0xff");
  });

  it("orders uint64 keys big-endian", () => {
    expect(bytesToUint64(uint64ToBytes(2n ** 40n + 5n))).toBe(2n ** 40n + 5n);
    const a = uint64ToBytes(255);
    const b = uint64ToBytes(256);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(-1);
  });

  it("pads, concatenates and compares", () => {
    expect(padBytes(new Uint8Array([1]), 3)).toEqual(new Uint8Array([0, 0, 1]));
    expect(() => padBytes(new Uint8Array(4), 3)).toThrow(BytesError);
    expect(concatBytes(new Uint8Array([1]), new Uint8Array([2, 3]))).toEqual(new Uint8Array([1, 2, 3]));
    expect(equalBytes(new Uint8Array([1]), new Uint8Array([1]))).toBe(true);
    expect(equalBytes(new Uint8Array([1]), new Uint8Array([2]))).toBe(false);
  });
});

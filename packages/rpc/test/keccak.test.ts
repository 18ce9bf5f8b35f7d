import { bytesToHex } from "@knode/common";
import { keccak256 as ethersKeccak } from "ethers";
import { describe, expect, it } from "vitest";
import { keccak256 } from "../src/keccak.js";

describe("keccak256 fallback", () => {
  it("matches the known empty-input and rlp([]) digests", () => {
    expect(bytesToHex(keccak256(new Uint8Array()))).toBe(
      "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    );
    expect(bytesToHex(keccak256(Uint8Array.of(0xc0)))).toBe(
      "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
    );
  });

  it("agrees with ethers on inputs around the 136-byte rate boundary", () => {
    for (const len of [1, 31, 32, 135, 136, 137, 271, 272, 300, 1000]) {
      const data = Uint8Array.from({ length: len }, (_, i) => (i * 31 + len) & 0xff);
      expect(bytesToHex(keccak256(data))).toBe(ethersKeccak(data));
    }
  });
});

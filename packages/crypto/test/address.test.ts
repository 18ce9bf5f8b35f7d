import { hexToBytes, isKnodeError } from "@knode/common";
import { describe, expect, it } from "vitest";
import { addressToHex, CryptoErrorCode, parseAddress, toChecksumAddress } from "../src/index.js";

// EIP-55's own examples.
const EIP55 = [
  "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
  "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
  "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
  "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
  "0x52908400098527886E0F7030069857D2E4169EE7",
  "0xde709f2102306220921060314715629080e2fb77",
];

describe("addresses", () => {
  it.each(EIP55)("checksums %s", (addr) => {
    expect(toChecksumAddress(addr.toLowerCase())).toBe(addr);
    expect(toChecksumAddress(hexToBytes(addr.toLowerCase()))).toBe(addr);
    expect(addressToHex(parseAddress(addr))).toBe(addr.toLowerCase());
  });

  it.each([
    "",
    "0x",
    "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
    "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",
    "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00",
    "0xzaaeb6053f3e94c9b9a09f33669435e7ef1beaed",
    " 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
  ])("rejects %j", (s) => {
    let err: unknown;
    try {
      parseAddress(s);
    } catch (e) {
      err = e;
    }
    expect(isKnodeError(err, CryptoErrorCode.INVALID_ADDRESS)).toBe(true);
  });

  it("rejects byte arrays of the wrong length", () => {
    expect(() => toChecksumAddress(new Uint8Array(19))).toThrow(/invalid address/);
  });
});

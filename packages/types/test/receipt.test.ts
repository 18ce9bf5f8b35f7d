import { bytesToHex, hexToBytes, isKnodeError } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bloomMayContain,
  decodeStoredReceipts,
  EMPTY_BLOOM,
  encodeReceipt,
  encodeStoredReceipts,
  type Log,
  logsBloom,
  mergeBlooms,
  rlpDecode,
  type StoredReceipt,
  TxType,
  TypesErrorCode,
} from "../src/index.js";

const log: Log = {
  address: new Uint8Array(20).fill(0x11),
  topics: [new Uint8Array(32).fill(0x22), new Uint8Array(32).fill(0x33)],
  data: Uint8Array.of(1, 2, 3),
};

describe("bloom", () => {
  it("matches the Ethereum rule on a known address", () => {
    // Bits of keccak(0x0000…0000 address), computed by hand from the three 11-bit indexes.
    const addr = new Uint8Array(20);
    const h = keccak256(addr);
    const bloom = logsBloom([{ address: addr, topics: [], data: new Uint8Array(0) }]);
    let set = 0;
    for (const b of bloom) set += b.toString(2).replaceAll("0", "").length;
    const bits = new Set([0, 2, 4].map((i) => ((h[i] << 8) | h[i + 1]) & 2047));
    expect(set).toBe(bits.size);
    for (const bit of bits) expect(bloom[255 - (bit >> 3)] & (1 << (bit & 7))).not.toBe(0);
  });

  it("contains every address and topic, and is empty for no logs", () => {
    const bloom = logsBloom([log]);
    expect(bloomMayContain(bloom, log.address)).toBe(true);
    for (const t of log.topics) expect(bloomMayContain(bloom, t)).toBe(true);
    expect(logsBloom([])).toEqual(EMPTY_BLOOM);
    expect(bloomMayContain(EMPTY_BLOOM, log.address)).toBe(false);
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 20, maxLength: 20 }), { maxLength: 10 }), (addrs) => {
        const b = logsBloom(addrs.map((address) => ({ address, topics: [], data: new Uint8Array(0) })));
        for (const a of addrs) expect(bloomMayContain(b, a)).toBe(true);
        expect(mergeBlooms([b, EMPTY_BLOOM])).toEqual(b);
      }),
      { numRuns: 50 },
    );
  });
});

describe("receipts", () => {
  const receipts: StoredReceipt[] = [
    {
      txType: TxType.Legacy,
      status: 1,
      cumulativeGasUsed: 21000n,
      logsBloom: EMPTY_BLOOM,
      logs: [],
      gasUsed: 21000n,
      effectiveGasPrice: 25n * 10n ** 9n,
      contractAddress: null,
    },
    {
      txType: TxType.DynamicFee,
      status: 0,
      cumulativeGasUsed: 90000n,
      logsBloom: logsBloom([log]),
      logs: [log],
      gasUsed: 69000n,
      effectiveGasPrice: 26n * 10n ** 9n,
      contractAddress: new Uint8Array(20).fill(7),
    },
  ];

  it("consensus encoding: status byte, type prefix for typed receipts", () => {
    const legacy = encodeReceipt(receipts[0]);
    const decoded = rlpDecode(legacy);
    if (!Array.isArray(decoded)) throw new Error("not a list");
    expect(decoded[0]).toEqual(Uint8Array.of(1));
    expect(decoded).toHaveLength(4);
    // A known-good consensus encoding: success, 21000 gas, empty bloom, no logs.
    expect(bytesToHex(legacy)).toBe(`0xf9010801825208b90100${"00".repeat(256)}c0`);
    const typed = encodeReceipt(receipts[1]);
    expect(typed[0]).toBe(2);
    const body = rlpDecode(typed.subarray(1));
    if (!Array.isArray(body)) throw new Error("not a list");
    expect(body[0]).toEqual(new Uint8Array(0));
  });

  it("storage encoding round-trips every field", () => {
    const decoded = decodeStoredReceipts(encodeStoredReceipts(receipts));
    expect(decoded).toEqual(receipts);
    expect(decodeStoredReceipts(encodeStoredReceipts([]))).toEqual([]);
  });

  it("rejects malformed stored receipts", () => {
    for (const b of [
      hexToBytes("0xc1c0"),
      hexToBytes("0x80"),
      new Uint8Array(0),
      hexToBytes("0xc9c8018102808080808080"),
    ]) {
      let err: unknown;
      try {
        decodeStoredReceipts(b);
      } catch (e) {
        err = e;
      }
      expect(isKnodeError(err, TypesErrorCode.INVALID_RECEIPT), String(err)).toBe(true);
    }
  });
});

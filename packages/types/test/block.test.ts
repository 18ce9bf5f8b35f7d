import { hexToBytes, isKnodeError } from "@knode/common";
import { randomPrivateKey } from "@knode/crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Block,
  decodeBlock,
  decodeBlockBody,
  decodeBlockHeader,
  decodeHeader,
  encodeBlock,
  encodeBlockBody,
  genesisExtraData,
  type Header,
  rlpDecode,
  rlpEncode,
  rlpSplitList,
  signTransaction,
  TxType,
  TypesErrorCode,
  type UnsignedTransaction,
} from "../src/index.js";
import { readFixture } from "./fixtures.js";

const key = randomPrivateKey();

function tx(type: TxType, nonce: bigint): ReturnType<typeof signTransaction> {
  const u: UnsignedTransaction = {
    type,
    chainId: 1000n,
    nonce,
    gasPrice: 25n * 10n ** 9n,
    maxFeePerGas: 25n * 10n ** 9n,
    maxPriorityFeePerGas: type === TxType.DynamicFee ? 1n : 25n * 10n ** 9n,
    gasLimit: 21000n,
    to: new Uint8Array(20).fill(5),
    value: nonce,
    data: new Uint8Array(0),
    accessList: [],
  };
  return signTransaction(u, key);
}

function header(): Header {
  return {
    parentHash: new Uint8Array(32).fill(1),
    rewardbase: new Uint8Array(20).fill(2),
    stateRoot: new Uint8Array(32).fill(3),
    txRoot: new Uint8Array(32).fill(4),
    receiptsRoot: new Uint8Array(32).fill(5),
    logsBloom: new Uint8Array(256),
    blockScore: 1n,
    number: 42n,
    gasUsed: 63000n,
    timestamp: 1_700_000_000n,
    timestampFoS: 3,
    extraData: genesisExtraData([new Uint8Array(20).fill(9)]),
    governanceData: new Uint8Array(0),
    voteData: new Uint8Array(0),
    baseFee: 25n * 10n ** 9n,
  };
}

function expectCode(fn: () => unknown, code: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(isKnodeError(err, code), String(err)).toBe(true);
}

describe("blocks", () => {
  const txs = [tx(TxType.Legacy, 0n), tx(TxType.DynamicFee, 1n), tx(TxType.AccessList, 2n), tx(TxType.Legacy, 3n)];
  const block: Block = { header: header(), transactions: txs };

  it("round-trips header and transactions, keeping typed txs as byte strings", () => {
    const bytes = encodeBlock(block);
    const decoded = decodeBlock(bytes);
    expect(decoded.header).toEqual(block.header);
    expect(decoded.transactions.map((t) => t.raw)).toEqual(txs.map((t) => t.raw));
    expect(decoded.transactions.map((t) => t.hash)).toEqual(txs.map((t) => t.hash));
    expect(encodeBlock(decoded)).toEqual(bytes);
    const body = rlpDecode(rlpSplitList(bytes)[1]);
    if (!Array.isArray(body)) throw new Error("body is not a list");
    expect(Array.isArray(body[0])).toBe(true);
    expect(body[1]).toEqual(txs[1].raw);
    expect(decodeBlockBody(encodeBlockBody(txs)).map((t) => t.raw)).toEqual(txs.map((t) => t.raw));
    expect(decodeBlockBody(encodeBlockBody([]))).toEqual([]);
  });

  it("decodes the header alone, leaving a body that decodes to the block's transactions", () => {
    const bytes = encodeBlock(block);
    const { header: h, bodyBytes } = decodeBlockHeader(bytes);
    expect(h).toEqual(block.header);
    expect(decodeBlockBody(bodyBytes).map((t) => t.hash)).toEqual(txs.map((t) => t.hash));
    // A garbage body does not stop the header from being read; it fails only when decoded.
    const garbled = rlpEncode([rlpDecode(rlpSplitList(bytes)[0]), [Uint8Array.of(0x05, 0xc0)]]);
    expect(decodeBlockHeader(garbled).header.number).toBe(42n);
    expectCode(() => decodeBlockBody(decodeBlockHeader(garbled).bodyBytes), TypesErrorCode.INVALID_BLOCK);
    for (const b of [bytes.subarray(0, 40), rlpEncode([rlpDecode(rlpSplitList(bytes)[0])]), new Uint8Array(0)]) {
      expectCode(() => decodeBlockHeader(b), TypesErrorCode.INVALID_BLOCK);
    }
  });

  it("rejects malformed blocks with TYPES_INVALID_BLOCK", () => {
    const bytes = encodeBlock(block);
    const [h, body] = rlpSplitList(bytes);
    const legacyAsString = rlpEncode([rlpDecode(h), [txs[0].raw]]);
    const bad = [
      bytes.subarray(0, bytes.length - 1),
      Uint8Array.of(...bytes, 0),
      rlpEncode([rlpDecode(h)]),
      legacyAsString,
      rlpEncode([rlpDecode(h), [Uint8Array.of(0x05, 0xc0)]]),
      rlpEncode([rlpDecode(h), new Uint8Array(3)]),
      rlpEncode([rlpDecode(body), rlpDecode(h)]),
    ];
    for (const b of bad) expectCode(() => decodeBlock(b), TypesErrorCode.INVALID_BLOCK);
  });

  it("decodes the header of each Klaytn vector block", () => {
    const vectors = readFixture<{ blocks: { encodedBlock: string }[] }>("klaytn/header-vectors.json");
    for (const v of vectors.blocks) {
      const headerBytes = rlpSplitList(hexToBytes(v.encodedBlock))[0];
      expect(rlpEncode(rlpDecode(headerBytes))).toEqual(headerBytes);
      expect(decodeHeader(headerBytes).number).toBeGreaterThan(0n);
    }
  });

  it("decodeBlock either throws a TypesError or re-encodes exactly (fast-check)", () => {
    const seed = encodeBlock(block);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
        (edits) => {
          const b = seed.slice();
          for (const [pos, val] of edits) b[pos % b.length] = val;
          let decoded: Block;
          try {
            decoded = decodeBlock(b);
          } catch (e) {
            expect(isKnodeError(e, TypesErrorCode.INVALID_BLOCK), String(e)).toBe(true);
            return;
          }
          expect(encodeBlock(decoded)).toEqual(b);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

import { bytesToHex, isKnodeError } from "@knode/common";
import { sign } from "@knode/crypto";
import { headerHash, rlpEncode } from "@knode/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConsensusErrorCode } from "../src/errors.js";
import {
  decodeConsensusMessage,
  encodeEnvelope,
  encodePrepare,
  MAX_CONSENSUS_MESSAGE_BYTES,
  MessageCode,
} from "../src/messages/consensusMessage.js";
import { addrs, genesisHeader, keys, makeBlock, script } from "./harness.js";

const council = addrs.slice(0, 4);
const genesis = genesisHeader(council);
const parent = { header: genesis, hash: headerHash(genesis) };
const block = makeBlock(parent, council, 0, 0);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return isKnodeError(e) ? e.code : `unexpected: ${(e as Error).message}`;
  }
}

describe("consensus message codec", () => {
  it("round-trips every message kind and recovers the signer", () => {
    const pp = decodeConsensusMessage(script.preprepare(0, 1n, 0, block.bytes));
    expect(pp.code).toBe(MessageCode.Preprepare);
    expect(pp.signer).toEqual(addrs[0]);
    if (pp.code === MessageCode.Preprepare) expect(bytesToHex(pp.digest)).toBe(bytesToHex(block.digest));
    const prep = decodeConsensusMessage(script.prepare(2, 1n, 3, block.digest));
    expect([prep.code, prep.round, prep.height, bytesToHex(prep.signer)]).toEqual([
      MessageCode.Prepare,
      3,
      1n,
      bytesToHex(addrs[2]),
    ]);
    const commit = decodeConsensusMessage(script.commit(3, 1n, 0, block.digest));
    expect(commit.code).toBe(MessageCode.Commit);
    const prepares = [0, 1, 2].map((i) => script.prepare(i, 1n, 0, block.digest));
    const rc = script.roundChange(1, 1n, 1, { round: 0, digest: block.digest, blockBytes: block.bytes, prepares });
    const m = decodeConsensusMessage(rc.full);
    if (m.code !== MessageCode.RoundChange) throw new Error("not a round change");
    expect(m.prepared?.round).toBe(0);
    expect(m.certificate?.prepares.map((p) => bytesToHex(p.signer))).toEqual(
      [0, 1, 2].map((i) => bytesToHex(addrs[i])),
    );
    expect(bytesToHex(m.signedBytes)).toBe(bytesToHex(rc.stripped));
    const j = decodeConsensusMessage(
      script.preprepare(1, 1n, 1, block.bytes, { roundChanges: [rc.stripped], prepares }),
    );
    if (j.code !== MessageCode.Preprepare) throw new Error("not a preprepare");
    expect(j.justification?.roundChanges[0].signer).toEqual(addrs[1]);
  });

  it("is strict: unknown codes, extra fields, trailing bytes, round 0 round changes, nested attachments, size", () => {
    const payload = encodePrepare(1n, 0, block.digest);
    const sig = sign(new Uint8Array(32).fill(1), keys[0]);
    expect(codeOf(() => decodeConsensusMessage(encodeEnvelope(7 as MessageCode, payload, sig)))).toBe(
      ConsensusErrorCode.INVALID_MESSAGE,
    );
    const good = script.prepare(0, 1n, 0, block.digest);
    expect(codeOf(() => decodeConsensusMessage(Uint8Array.of(...good, 0)))).toBe(ConsensusErrorCode.INVALID_MESSAGE);
    const extra = rlpEncode([1n, 0, block.digest, 5]);
    expect(codeOf(() => decodeConsensusMessage(encodeEnvelope(MessageCode.Prepare, extra, sig)))).toBe(
      ConsensusErrorCode.INVALID_MESSAGE,
    );
    expect(codeOf(() => decodeConsensusMessage(script.roundChange(0, 1n, 0).full))).toBe(
      ConsensusErrorCode.INVALID_MESSAGE,
    );
    const rcWithCert = script.roundChange(1, 1n, 1, {
      round: 0,
      digest: block.digest,
      blockBytes: block.bytes,
      prepares: [],
    }).full;
    const nested = script.preprepare(1, 1n, 1, block.bytes, { roundChanges: [rcWithCert], prepares: [] });
    expect(codeOf(() => decodeConsensusMessage(nested))).toBe(ConsensusErrorCode.INVALID_MESSAGE);
    expect(codeOf(() => decodeConsensusMessage(new Uint8Array(MAX_CONSENSUS_MESSAGE_BYTES + 1)))).toBe(
      ConsensusErrorCode.MESSAGE_TOO_LARGE,
    );
  });

  it("decoding arbitrary bytes either throws a ConsensusError or yields a message (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeConsensusMessage(bytes);
        } catch (e) {
          expect(isKnodeError(e) && e.code.startsWith("CONSENSUS_")).toBe(true);
        }
      }),
    );
  });

  it("mutating a valid message never yields a different signer for the same content silently", () => {
    const good = script.prepare(0, 1n, 0, block.digest);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, x) => {
        const bad = good.slice();
        bad[pos] ^= x;
        try {
          const m = decodeConsensusMessage(bad);
          // Either the content changed or the signer did; an identical decode would be a codec hole.
          const same =
            m.code === MessageCode.Prepare &&
            bytesToHex(m.signer) === bytesToHex(addrs[0]) &&
            bytesToHex(m.digest) === bytesToHex(block.digest) &&
            m.round === 0 &&
            m.height === 1n;
          expect(same).toBe(false);
        } catch (e) {
          expect(isKnodeError(e)).toBe(true);
        }
      }),
    );
  });
});

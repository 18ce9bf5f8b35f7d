import fc from "fast-check";
import { Uint8ArrayList } from "uint8arraylist";
import { describe, expect, it } from "vitest";
import { codedFrameHeader, encodeFrame, FrameDecoder } from "../src/framing.js";
import { P2PErrorCode } from "../src/index.js";
import { decodeStatus, encodeStatus, MAX_STATUS_BYTES, type StatusMessage } from "../src/statusCodec.js";

const status = fc.record({
  chainId: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
  genesisHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  head: fc.record({
    number: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    hash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  }),
  role: fc.constantFrom("cn" as const, "pn" as const, "en" as const),
});

describe("status codec", () => {
  it("round-trips and stays within MAX_STATUS_BYTES", () => {
    fc.assert(
      fc.property(status, (s: StatusMessage) => {
        const enc = encodeStatus(s);
        expect(enc.length).toBeLessThanOrEqual(MAX_STATUS_BYTES);
        expect(decodeStatus(enc)).toEqual(s);
      }),
    );
  });

  it("either throws a typed error or re-encodes to the same bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        let s: StatusMessage;
        try {
          s = decodeStatus(bytes);
        } catch (err) {
          expect(err).toMatchObject({ code: P2PErrorCode.INVALID_STATUS });
          return;
        }
        expect(encodeStatus(s)).toEqual(bytes);
      }),
    );
  });

  it("refuses a non-canonical chain id", () => {
    const enc = encodeStatus({
      chainId: 5n,
      genesisHash: new Uint8Array(32),
      head: { number: 1n, hash: new Uint8Array(32) },
      role: "pn",
    });
    const padded = new Uint8Array(enc.length + 1);
    padded.set(enc.subarray(0, 2));
    padded[2] = 2;
    padded[3] = 0;
    padded.set(enc.subarray(3), 4);
    expect(() => decodeStatus(padded)).toThrow(expect.objectContaining({ code: P2PErrorCode.INVALID_STATUS }));
  });
});

describe("frame decoder", () => {
  it("reassembles frames from arbitrary chunk boundaries", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        (frames, cuts) => {
          const wire = new Uint8ArrayList(...frames.map(encodeFrame)).subarray();
          const dec = new FrameDecoder(300);
          const out: Uint8Array[] = [];
          let pos = 0;
          for (let i = 0; pos < wire.length; i++) {
            const end = Math.min(wire.length, pos + cuts[i % cuts.length]);
            for (const f of dec.push(wire.subarray(pos, end))) out.push(f.slice());
            pos = end;
          }
          expect(out).toEqual(frames);
          expect(dec.pending).toBe(0);
        },
      ),
    );
  });

  it("refuses an oversized frame from its length prefix alone", () => {
    const dec = new FrameDecoder(100);
    const prefix = encodeFrame(new Uint8Array(101)).subarray(0, 1);
    expect(() => [...dec.push(prefix)]).toThrow(expect.objectContaining({ code: P2PErrorCode.INVALID_FRAME }));
  });

  it("refuses an endless length prefix", () => {
    const dec = new FrameDecoder(1 << 30);
    expect(() => [...dec.push(new Uint8Array(6).fill(0xff))]).toThrow(
      expect.objectContaining({ code: P2PErrorCode.INVALID_FRAME }),
    );
  });

  it("coded frame header plus payload decodes to code ‖ payload", () => {
    const payload = new Uint8Array(200).fill(3);
    const dec = new FrameDecoder(1000);
    const [frame] = [...dec.push(new Uint8ArrayList(codedFrameHeader(7, payload.length), payload))];
    expect(frame[0]).toBe(7);
    expect(frame.subarray(1)).toEqual(payload);
  });
});

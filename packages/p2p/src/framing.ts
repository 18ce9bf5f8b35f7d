import type { MessageStream } from "@libp2p/interface";
import { Uint8ArrayList } from "uint8arraylist";
import { P2PError, P2PErrorCode } from "./errors.js";

/** Unsigned LEB128, as libp2p and multistream use; 5 bytes cover any frame we would ever accept. */
const MAX_VARINT_BYTES = 5;

function varintLength(value: number): number {
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 128)) n++;
  return n;
}

function writeVarint(out: Uint8Array, value: number): number {
  let i = 0;
  let v = value;
  while (v >= 0x80) {
    out[i++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[i++] = v;
  return i;
}

export function encodeFrame(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(varintLength(data.length) + data.length);
  out.set(data, writeVarint(out, data.length));
  return out;
}

/** The header of a frame whose body is `[code] ‖ payload`, so a large payload is sent without a copy. */
export function codedFrameHeader(code: number, payloadLength: number): Uint8Array {
  const len = payloadLength + 1;
  const out = new Uint8Array(varintLength(len) + 1);
  out[writeVarint(out, len)] = code;
  return out;
}

/**
 * Incremental length-prefixed decoder. The declared length is checked against `maxFrameBytes` as soon as
 * the prefix is complete, so an oversized frame is refused before its body is buffered.
 */
export class FrameDecoder {
  private readonly buf = new Uint8ArrayList();
  private need = -1;
  private prefixLen = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes held that do not yet form a whole frame; non-zero at end of stream means truncation. */
  get pending(): number {
    return this.buf.byteLength;
  }

  *push(chunk: Uint8Array | Uint8ArrayList): Generator<Uint8Array> {
    this.buf.append(chunk);
    for (;;) {
      if (this.need < 0 && !this.readPrefix()) return;
      const end = this.prefixLen + this.need;
      if (this.buf.byteLength < end) return;
      // A plain private copy: subarray may return a Node Buffer view of a pooled chunk, and decoders
      // downstream rely on Uint8Array.slice() copying (Buffer.slice does not).
      const frame = new Uint8Array(this.buf.subarray(this.prefixLen, end));
      this.buf.consume(end);
      this.need = -1;
      yield frame;
    }
  }

  private readPrefix(): boolean {
    let value = 0;
    const n = Math.min(this.buf.byteLength, MAX_VARINT_BYTES);
    for (let i = 0; i < n; i++) {
      const b = this.buf.get(i);
      value += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) {
        if (value > this.maxFrameBytes) {
          throw new P2PError(
            { code: P2PErrorCode.INVALID_FRAME, reason: "frame too large" },
            `frame of ${value} bytes exceeds ${this.maxFrameBytes}`,
          );
        }
        this.need = value;
        this.prefixLen = i + 1;
        return true;
      }
    }
    if (this.buf.byteLength >= MAX_VARINT_BYTES) {
      throw new P2PError({ code: P2PErrorCode.INVALID_FRAME, reason: "length prefix too long" });
    }
    return false;
  }
}

/**
 * Reads frames from a stream until the remote closes its write side. A stream that ends inside a frame
 * is an error, not a short read, so a truncated message can never be mistaken for a complete one.
 */
export async function* readFrames(stream: MessageStream, maxFrameBytes: number): AsyncGenerator<Uint8Array> {
  const decoder = new FrameDecoder(maxFrameBytes);
  for await (const chunk of stream) {
    yield* decoder.push(chunk);
  }
  if (decoder.pending > 0) {
    throw new P2PError({ code: P2PErrorCode.INVALID_FRAME, reason: "truncated frame" });
  }
}

/** Reads exactly one frame; a stream closed before it arrives yields `null`. */
export async function readOneFrame(stream: MessageStream, maxFrameBytes: number): Promise<Uint8Array | null> {
  for await (const frame of readFrames(stream, maxFrameBytes)) return frame;
  return null;
}

export async function writeFrame(stream: MessageStream, data: Uint8Array, signal?: AbortSignal): Promise<void> {
  if (!stream.send(encodeFrame(data))) await stream.onDrain({ signal });
}

export async function writeCodedFrame(
  stream: MessageStream,
  code: number,
  payload: Uint8Array,
  signal?: AbortSignal,
): Promise<void> {
  stream.send(codedFrameHeader(code, payload.length));
  if (!stream.send(payload)) await stream.onDrain({ signal });
}

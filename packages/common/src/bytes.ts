import { KnodeError } from "./errors.js";

export type Hex = `0x${string}`;

export enum BytesErrorCode {
  INVALID_HEX = "BYTES_INVALID_HEX",
  INVALID_LENGTH = "BYTES_INVALID_LENGTH",
}

export type BytesErrorType =
  | { code: BytesErrorCode.INVALID_HEX; value: string }
  | { code: BytesErrorCode.INVALID_LENGTH; expected: number; actual: number };

export class BytesError extends KnodeError<BytesErrorType> {}

const HEX_CHARS = "0123456789abcdef";
const BYTE_TO_HEX: string[] = Array.from({ length: 256 }, (_, i) => HEX_CHARS[i >> 4] + HEX_CHARS[i & 15]);
const HEX_RE = /^0x[0-9a-fA-F]*$/;

export function bytesToHex(bytes: Uint8Array): Hex {
  // Buffer's hex codec is native and several times faster than a JS loop for anything but tiny inputs.
  if (bytes.length > 16) return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex")}`;
  let out = "0x";
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_HEX[bytes[i]];
  return out as Hex;
}

export function isHex(value: unknown): value is Hex {
  return typeof value === "string" && HEX_RE.test(value);
}

/** Strict: requires the 0x prefix and an even number of hex digits. */
export function hexToBytes(hex: string): Uint8Array {
  if (!isHex(hex) || hex.length % 2 !== 0) {
    throw new BytesError(
      { code: BytesErrorCode.INVALID_HEX, value: hex.slice(0, 80) },
      `invalid hex string: ${hex.slice(0, 80)}`,
    );
  }
  const buf = Buffer.from(hex.slice(2), "hex");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** Accepts odd-length hex as well (`0x1` → [0x01]); for user input such as keys and storage slots. */
export function hexToBytesLoose(hex: string): Uint8Array {
  if (!isHex(hex)) return hexToBytes(hex);
  return hexToBytes(hex.length % 2 === 0 ? hex : `0x0${hex.slice(2)}`);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Minimal big-endian encoding; 0 is the empty array (the RLP convention for integers). */
export function bigIntToBytes(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError("negative integer");
  if (value === 0n) return new Uint8Array(0);
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return hexToBytes(`0x${hex}`);
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  return BigInt(bytesToHex(bytes));
}

/** Left-pads (or checks) to a fixed width, e.g. 32-byte words. */
export function padBytes(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length > length) {
    throw new BytesError({ code: BytesErrorCode.INVALID_LENGTH, expected: length, actual: bytes.length });
  }
  if (bytes.length === length) return bytes;
  const out = new Uint8Array(length);
  out.set(bytes, length - bytes.length);
  return out;
}

export function bigIntToFixedBytes(value: bigint, length: number): Uint8Array {
  return padBytes(bigIntToBytes(value), length);
}

export function numberToBytes(value: number): Uint8Array {
  return bigIntToBytes(BigInt(value));
}

/** JSON-RPC QUANTITY: 0x-prefixed, no leading zeros, `0x0` for zero. */
export function toQuantity(value: bigint | number): Hex {
  return `0x${value.toString(16)}` as Hex;
}

/** Big-endian uint64, used for ordered database keys. */
export function uint64ToBytes(value: bigint | number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

export function bytesToUint64(bytes: Uint8Array): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0);
}

export function utf8ToBytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function bytesToUtf8(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}

/**
 * Bytes as a Map key: latin1 maps each byte to one char, the cheapest bijection to a string, and such
 * strings sort as the bytes do (what LevelDB's default comparator does).
 */
export function bytesKey(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}

/** The inverse of bytesKey. */
export function keyBytes(k: string): Uint8Array {
  const b = Buffer.from(k, "latin1");
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

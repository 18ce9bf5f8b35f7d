import { RLP } from "@ethereumjs/rlp";
import { bigIntToBytes, bytesToBigInt, concatBytes } from "@knode/common";
import { TypesError, TypesErrorCode } from "./errors.js";

export type RlpValue = Uint8Array | RlpValue[];
/** What rlpEncode accepts: bytes, non-negative integers (minimal big-endian) and nested lists. */
export type RlpInput = Uint8Array | bigint | number | RlpInput[];

function invalidRlp(reason: string): TypesError {
  return new TypesError({ code: TypesErrorCode.INVALID_RLP }, `invalid RLP: ${reason}`);
}

function invalidField(field: string, reason: string): TypesError {
  return new TypesError({ code: TypesErrorCode.INVALID_FIELD, field }, `${field}: ${reason}`);
}

function toRlpItem(input: RlpInput): Uint8Array | RlpInput[] {
  if (typeof input === "bigint") return bigIntToBytes(input);
  if (typeof input === "number") {
    if (!Number.isSafeInteger(input) || input < 0) throw new RangeError(`cannot RLP-encode number ${input}`);
    return bigIntToBytes(BigInt(input));
  }
  return input;
}

type EncodableTree = Uint8Array | EncodableTree[];

function normalize(input: RlpInput): EncodableTree {
  const item = toRlpItem(input);
  return Array.isArray(item) ? item.map(normalize) : item;
}

export function rlpEncode(input: RlpInput): Uint8Array {
  return RLP.encode(normalize(input));
}

/**
 * Strict decoding: exactly one item, canonical lengths, no trailing or missing bytes. @ethereumjs/rlp
 * already rejects every invalidRLPTest case except the empty input, which it decodes to an empty string.
 */
export function rlpDecode(bytes: Uint8Array): RlpValue {
  if (bytes.length === 0) throw invalidRlp("empty input");
  try {
    return RLP.decode(bytes) as RlpValue;
  } catch (e) {
    throw invalidRlp(e instanceof Error ? e.message.replace(/^invalid RLP:?\s*/i, "") : String(e));
  }
}

/** The RLP header of a byte string or list of `length` payload bytes. */
export function rlpHeader(length: number, isList: boolean): Uint8Array {
  const offset = isList ? 0xc0 : 0x80;
  if (length < 56) return Uint8Array.of(offset + length);
  const len = bigIntToBytes(BigInt(length));
  return concatBytes(Uint8Array.of(offset + 55 + len.length), len);
}

/** Wraps already-encoded items into a list without re-encoding them (block bodies, legacy txs). */
export function rlpEncodeEncodedList(items: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const it of items) len += it.length;
  const header = rlpHeader(len, true);
  const out = new Uint8Array(header.length + len);
  out.set(header, 0);
  let off = header.length;
  for (const it of items) {
    out.set(it, off);
    off += it.length;
  }
  return out;
}

interface ItemBounds {
  isList: boolean;
  /** Offset of the payload and of the byte after the item. */
  start: number;
  end: number;
}

/** Parses one item header at `pos`, with the same canonical-length rules as rlpDecode. */
function readItem(bytes: Uint8Array, pos: number): ItemBounds {
  if (pos >= bytes.length) throw invalidRlp("truncated input");
  const b = bytes[pos];
  if (b < 0x80) return { isList: false, start: pos, end: pos + 1 };
  const isList = b >= 0xc0;
  const short = isList ? b - 0xc0 : b - 0x80;
  let length: number;
  let start: number;
  if (short <= 55) {
    length = short;
    start = pos + 1;
    if (!isList && length === 1 && (bytes[start] ?? 0x80) < 0x80)
      throw invalidRlp("single byte below 0x80 must not be prefixed");
  } else {
    const ll = short - 55;
    if (pos + 1 + ll > bytes.length) throw invalidRlp("truncated length");
    if (bytes[pos + 1] === 0) throw invalidRlp("leading zeros in length");
    length = 0;
    for (let i = 0; i < ll; i++) length = length * 256 + bytes[pos + 1 + i];
    if (length <= 55) throw invalidRlp("long form used for a short length");
    start = pos + 1 + ll;
  }
  const end = start + length;
  if (end > bytes.length) throw invalidRlp("truncated input");
  return { isList, start, end };
}

/**
 * The encoded items of a top-level list, as views into `bytes`: lets block and body decoding keep the
 * exact bytes of each transaction and the header without decoding and re-encoding them.
 */
export function rlpSplitList(bytes: Uint8Array): Uint8Array[] {
  const outer = readItem(bytes, 0);
  if (!outer.isList) throw invalidRlp("expected a list");
  if (outer.end !== bytes.length) throw invalidRlp("trailing bytes");
  const items: Uint8Array[] = [];
  let pos = outer.start;
  while (pos < outer.end) {
    const it = readItem(bytes, pos);
    if (it.end > outer.end) throw invalidRlp("item overruns its list");
    items.push(bytes.subarray(pos, it.end));
    pos = it.end;
  }
  return items;
}

/** The payload of an encoded byte string (not a list); a view into `item`. */
export function rlpStringPayload(item: Uint8Array): Uint8Array {
  const it = readItem(item, 0);
  if (it.isList) throw invalidRlp("expected a byte string");
  if (it.end !== item.length) throw invalidRlp("trailing bytes");
  return item.subarray(it.start, it.end);
}

export function rlpBytes(v: RlpValue | undefined, name: string): Uint8Array {
  if (v === undefined) throw invalidField(name, "missing");
  if (Array.isArray(v)) throw invalidField(name, "expected bytes, got a list");
  return v;
}

export function rlpList(v: RlpValue | undefined, name: string): RlpValue[] {
  if (v === undefined) throw invalidField(name, "missing");
  if (!Array.isArray(v)) throw invalidField(name, "expected a list, got bytes");
  return v;
}

/** A canonical unsigned integer of at most `maxBytes` bytes (no leading zeros; zero is empty). */
export function rlpBigInt(v: RlpValue | undefined, name: string, maxBytes = 32): bigint {
  const b = rlpBytes(v, name);
  if (b.length > maxBytes) throw invalidField(name, `integer wider than ${maxBytes} bytes`);
  if (b.length > 0 && b[0] === 0) throw invalidField(name, "integer has leading zeros");
  if (b.length <= 6) {
    let n = 0;
    for (let i = 0; i < b.length; i++) n = n * 256 + b[i];
    return BigInt(n);
  }
  return bytesToBigInt(b);
}

/** A canonical integer that fits a JS number exactly. */
export function rlpNumber(v: RlpValue | undefined, name: string): number {
  const n = rlpBigInt(v, name, 8);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidField(name, "integer above 2^53-1");
  return Number(n);
}

export function rlpAddress(v: RlpValue | undefined, name: string): Uint8Array {
  const b = rlpBytes(v, name);
  if (b.length !== 20) throw invalidField(name, `address must be 20 bytes, got ${b.length}`);
  return b;
}

/** Empty means "no address" (contract creation). */
export function rlpOptionalAddress(v: RlpValue | undefined, name: string): Uint8Array | null {
  const b = rlpBytes(v, name);
  if (b.length === 0) return null;
  if (b.length !== 20) throw invalidField(name, `address must be empty or 20 bytes, got ${b.length}`);
  return b;
}

/** Exactly `length` bytes (hashes, blooms). */
export function rlpFixedBytes(v: RlpValue | undefined, name: string, length: number): Uint8Array {
  const b = rlpBytes(v, name);
  if (b.length !== length) throw invalidField(name, `expected ${length} bytes, got ${b.length}`);
  return b;
}

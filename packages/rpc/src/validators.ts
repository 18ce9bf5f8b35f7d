import { hexToBytes } from "@knode/common";
import type { AccessList } from "@knode/types";
import { invalidParams } from "./errors.js";
import type { BlockRef, CallArgs } from "./interface.js";

/**
 * A positional parameter: `parse` turns the raw JSON value into the handler's type or throws a
 * ParamError with geth's wording; the dispatcher prefixes "invalid argument N: ".
 */
export interface ParamSpec<T> {
  readonly optional: boolean;
  parse(value: unknown): T;
}

export class ParamError extends Error {}

const HEX_DIGITS = /^[0-9a-fA-F]*$/;

function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value === "object" ? "object" : typeof value;
}

function expectString(value: unknown, goType: string): string {
  if (typeof value !== "string") {
    throw new ParamError(`json: cannot unmarshal ${jsonKind(value)} into Go value of type ${goType}`);
  }
  return value;
}

/** hexutil-style QUANTITY: 0x prefix, no leading zeros, at most `bits` bits. */
export function parseQuantity(value: unknown, bits = 256): bigint {
  const s = expectString(value, bits === 64 ? "hexutil.Uint64" : "*hexutil.Big");
  if (s.length === 0) throw new ParamError("empty hex string");
  if (!s.startsWith("0x") && !s.startsWith("0X")) throw new ParamError("hex string without 0x prefix");
  const digits = s.slice(2);
  if (digits.length === 0) throw new ParamError('hex string "0x"');
  if (digits.length > 1 && digits[0] === "0") throw new ParamError("hex number with leading zero digits");
  if (!HEX_DIGITS.test(digits)) throw new ParamError("invalid hex string");
  if (digits.length > bits / 4) throw new ParamError(`hex number > ${bits} bits`);
  return BigInt(`0x${digits}`);
}

/** hexutil.Bytes: 0x prefix, even length. */
export function parseData(value: unknown): Uint8Array {
  const s = expectString(value, "hexutil.Bytes");
  if (!s.startsWith("0x") && !s.startsWith("0X")) {
    throw new ParamError(s.length === 0 ? "empty hex string" : "hex string without 0x prefix");
  }
  if (s.length % 2 !== 0) throw new ParamError("hex string of odd length");
  if (!HEX_DIGITS.test(s.slice(2))) throw new ParamError("invalid hex string");
  return hexToBytes(`0x${s.slice(2)}`);
}

function parseFixed(value: unknown, size: number, goType: string): Uint8Array {
  const s = expectString(value, goType);
  if (!s.startsWith("0x") && !s.startsWith("0X")) throw new ParamError("hex string without 0x prefix");
  if (!HEX_DIGITS.test(s.slice(2))) throw new ParamError("invalid hex string");
  if (s.length !== 2 + size * 2) {
    throw new ParamError(`hex string has length ${s.length - 2}, want ${size * 2} for ${goType}`);
  }
  return hexToBytes(`0x${s.slice(2)}`);
}

export const parseAddress = (v: unknown): Uint8Array => parseFixed(v, 20, "common.Address");
export const parseHash = (v: unknown): Uint8Array => parseFixed(v, 32, "common.Hash");

const TAGS = new Set(["latest", "earliest", "pending", "safe", "finalized"]);
// geth's rpc.BlockNumber is an int64.
const MAX_BLOCK_NUMBER = (1n << 63n) - 1n;

function parseBlockNumberOnly(value: unknown): BlockRef {
  const s = expectString(value, "rpc.BlockNumber");
  if (TAGS.has(s)) return s as BlockRef;
  const n = parseQuantity(s, 64);
  if (n > MAX_BLOCK_NUMBER) throw new ParamError("block number larger than int64");
  return n;
}

function parseBlockRef(value: unknown): BlockRef {
  if (typeof value === "string") {
    if (value.length === 66) return { hash: parseHash(value) };
    return parseBlockNumberOnly(value);
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if (o.blockHash !== undefined && o.blockNumber !== undefined) {
      throw new ParamError("cannot specify both BlockHash and BlockNumber, choose one or the other");
    }
    if (o.blockHash !== undefined) return { hash: parseHash(o.blockHash) };
    if (o.blockNumber !== undefined) return parseBlockNumberOnly(o.blockNumber);
    throw new ParamError("invalid block number or hash");
  }
  throw new ParamError(`json: cannot unmarshal ${jsonKind(value)} into Go value of type rpc.BlockNumberOrHash`);
}

function spec<T>(parse: (v: unknown) => T): ParamSpec<T> {
  return { optional: false, parse };
}

export const quantity: ParamSpec<bigint> = spec((v) => parseQuantity(v));
export const uint64: ParamSpec<bigint> = spec((v) => parseQuantity(v, 64));
/** Numbers or QUANTITY strings, as geth's math.HexOrDecimal64 takes (eth_feeHistory blockCount). */
export const hexOrDecimal: ParamSpec<bigint> = spec((v) => {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === "string" && /^[0-9]+$/.test(v)) return BigInt(v);
  return parseQuantity(v, 64);
});
export const address: ParamSpec<Uint8Array> = spec(parseAddress);
export const hash32: ParamSpec<Uint8Array> = spec(parseHash);
export const bytes: ParamSpec<Uint8Array> = spec(parseData);
/** Storage slot as geth takes it: any hex (prefix optional, odd length allowed) up to 32 bytes, left-padded. */
export const storageKey: ParamSpec<Uint8Array> = spec((v) => {
  const s = expectString(v, "string");
  let digits = s.startsWith("0x") || s.startsWith("0X") ? s.slice(2) : s;
  if (digits.length % 2 === 1) digits = `0${digits}`;
  // geth words these without the "invalid argument N" prefix, hence RpcError rather than ParamError.
  if (!HEX_DIGITS.test(digits)) throw invalidParams(`invalid hex in storage key: ${JSON.stringify(s)}`);
  if (digits.length > 64) throw invalidParams(`storage key too long (want at most 32 bytes): ${JSON.stringify(s)}`);
  const out = new Uint8Array(32);
  out.set(hexToBytes(`0x${digits}`), 32 - digits.length / 2);
  return out;
});
/** Passes the JSON value through; for handlers that interpret it themselves. */
export const rawValue: ParamSpec<unknown> = spec((v) => v);
export const bool: ParamSpec<boolean> = spec((v) => {
  if (typeof v !== "boolean") throw new ParamError(`json: cannot unmarshal ${jsonKind(v)} into Go value of type bool`);
  return v;
});
export const blockTag: ParamSpec<BlockRef> = spec(parseBlockRef);
export const blockNumberTag: ParamSpec<BlockRef> = spec(parseBlockNumberOnly);
export const percentiles: ParamSpec<number[]> = spec((v) => {
  if (!Array.isArray(v) || v.some((p) => typeof p !== "number")) {
    throw new ParamError(`json: cannot unmarshal ${jsonKind(v)} into Go value of type []float64`);
  }
  return v as number[];
});

/** Marks a trailing parameter optional; absent or null gives `fallback`. */
export function optional<T>(inner: ParamSpec<T>): ParamSpec<T | undefined>;
export function optional<T>(inner: ParamSpec<T>, fallback: T): ParamSpec<T>;
export function optional<T>(inner: ParamSpec<T>, fallback?: T): ParamSpec<T | undefined> {
  return { optional: true, parse: (v) => (v === undefined || v === null ? fallback : inner.parse(v)) };
}

function asObject(value: unknown, goType: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ParamError(`json: cannot unmarshal ${jsonKind(value)} into Go value of type ${goType}`);
  }
  return value as Record<string, unknown>;
}

/** Parses `o[key]` when present (null counts as absent), naming the field in errors. */
function field<T>(o: Record<string, unknown>, key: string, parse: (v: unknown) => T): T | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  try {
    return parse(v);
  } catch (err) {
    if (err instanceof ParamError) throw new ParamError(`${key}: ${err.message}`);
    throw err;
  }
}

function parseAccessList(v: unknown): AccessList {
  if (!Array.isArray(v))
    throw new ParamError(`json: cannot unmarshal ${jsonKind(v)} into Go value of type types.AccessList`);
  return v.map((entry) => {
    const o = asObject(entry, "types.AccessTuple");
    const keys = o.storageKeys ?? [];
    if (!Array.isArray(keys)) throw new ParamError("storageKeys: not an array");
    return { address: parseAddress(o.address), storageKeys: keys.map(parseHash) };
  });
}

export const callObject: ParamSpec<CallArgs> = spec((v) => {
  const o = asObject(v, "ethapi.TransactionArgs");
  const input = field(o, "input", parseData);
  const data = field(o, "data", parseData);
  if (input && data && Buffer.compare(input, data) !== 0) {
    throw new ParamError(
      `both "data" and "input" are set and not equal. Please use "input" to pass transaction call data`,
    );
  }
  const args: CallArgs = {
    from: field(o, "from", parseAddress),
    to: field(o, "to", parseAddress) ?? null,
    gas: field(o, "gas", (x) => parseQuantity(x, 64)),
    gasPrice: field(o, "gasPrice", parseQuantity),
    maxFeePerGas: field(o, "maxFeePerGas", parseQuantity),
    maxPriorityFeePerGas: field(o, "maxPriorityFeePerGas", parseQuantity),
    value: field(o, "value", parseQuantity),
    data: input ?? data,
    nonce: field(o, "nonce", (x) => parseQuantity(x, 64)),
    accessList: field(o, "accessList", parseAccessList),
  };
  if (args.gasPrice !== undefined && (args.maxFeePerGas !== undefined || args.maxPriorityFeePerGas !== undefined)) {
    throw new ParamError("both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified");
  }
  return args;
});

export interface LogFilter {
  fromBlock?: BlockRef;
  toBlock?: BlockRef;
  blockHash?: Uint8Array;
  /** Empty = any address. */
  addresses: Uint8Array[];
  /** Per position: null = wildcard, else any of the listed topics. */
  topics: (Uint8Array[] | null)[];
}

// geth's limits on filter criteria.
const MAX_TOPICS = 4;
const MAX_ADDRESSES = 1000;

export function parseLogFilter(v: unknown): LogFilter {
  const o = asObject(v, "filters.FilterCriteria");
  const blockHash = field(o, "blockHash", parseHash);
  const fromBlock = field(o, "fromBlock", parseBlockNumberOnly);
  const toBlock = field(o, "toBlock", parseBlockNumberOnly);
  if (blockHash && (fromBlock !== undefined || toBlock !== undefined)) {
    throw new ParamError("cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other");
  }
  let addresses: Uint8Array[] = [];
  if (Array.isArray(o.address)) addresses = o.address.map((a) => parseAddress(a));
  else if (o.address !== undefined && o.address !== null) addresses = [parseAddress(o.address)];
  if (addresses.length > MAX_ADDRESSES) throw new ParamError("exceed max addresses");
  const topics: (Uint8Array[] | null)[] = [];
  if (o.topics !== undefined && o.topics !== null) {
    if (!Array.isArray(o.topics)) throw new ParamError("invalid topics");
    if (o.topics.length > MAX_TOPICS) throw new ParamError("exceed max topics");
    for (const t of o.topics) {
      if (t === null) topics.push(null);
      else if (typeof t === "string") topics.push([parseHash(t)]);
      else if (Array.isArray(t)) {
        // A null inside an OR-list, or an empty list, matches anything at that position (geth).
        topics.push(t.length === 0 || t.includes(null) ? null : t.map((x) => parseHash(x)));
      } else throw new ParamError("invalid topic(s)");
    }
  }
  return { fromBlock, toBlock, blockHash, addresses, topics };
}

export const filterObject: ParamSpec<LogFilter> = spec(parseLogFilter);

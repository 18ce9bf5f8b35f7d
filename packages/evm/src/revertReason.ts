import { bytesToBigInt } from "@knode/common";

/** keccak("Error(string)")[:4] */
const ERROR_SELECTOR = 0x08c379a0;
/** keccak("Panic(uint256)")[:4] */
const PANIC_SELECTOR = 0x4e487b71;

/** Solidity's panic codes in geth's wording, so RPC messages match what tooling expects from geth. */
const PANIC_REASONS = new Map<bigint, string>([
  [0x00n, "generic panic"],
  [0x01n, "assert(false)"],
  [0x11n, "arithmetic underflow or overflow"],
  [0x12n, "division or modulo by zero"],
  [0x21n, "enum overflow"],
  [0x22n, "invalid encoded storage byte array accessed"],
  [0x31n, "out-of-bounds array access; popping on an empty array"],
  [0x32n, "out-of-bounds access of an array or bytesN"],
  [0x41n, "out of memory"],
  [0x51n, "uninitialized function"],
]);

const utf8 = new TextDecoder();

function word(data: Uint8Array, offset: number): bigint {
  return bytesToBigInt(data.subarray(offset, offset + 32));
}

/**
 * The human-readable reason of a revert payload: the string of `Error(string)`, or the meaning of a
 * `Panic(uint256)` code; undefined for custom errors, empty or malformed data (geth then reports plain
 * "execution reverted").
 */
export function decodeRevertReason(data: Uint8Array): string | undefined {
  if (data.length < 4) return undefined;
  const selector = ((data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3]) >>> 0;
  const body = data.length - 4;
  if (selector === PANIC_SELECTOR) {
    if (body < 32) return undefined;
    const code = word(data, 4);
    return PANIC_REASONS.get(code) ?? `unknown panic code: 0x${code.toString(16)}`;
  }
  if (selector !== ERROR_SELECTOR || body < 64) return undefined;
  // ABI: a head word with the string's offset (relative to the arguments), then length and bytes.
  const offset = word(data, 4);
  if (offset > BigInt(body - 32)) return undefined;
  const start = 4 + Number(offset) + 32;
  const length = word(data, start - 32);
  if (length > BigInt(data.length - start)) return undefined;
  return utf8.decode(data.subarray(start, start + Number(length)));
}

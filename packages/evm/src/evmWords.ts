/*
 * 256-bit EVM words between bigint and big-endian bytes without hex strings. @ethereumjs/util does it
 * through `num.toString(16)` and a hex parser, then pads with `new Uint8Array([...zeros, ...bytes])`
 * (two iterator spreads): ~1.5 µs per MSTORE or storage key, against ~0.1 µs for four 64-bit limbs
 * here. Results are byte-for-byte those of `setLengthLeft(bigIntToBytes(v), 32)`, `bigIntToBytes(v)`
 * and `bytesToBigInt(b)` for words (0 ≤ v < 2^256); evmWords.test.ts compares them on random values.
 *
 * One scratch word is shared; every function fills and drains it synchronously, so interleaved async
 * callers never see each other's bytes.
 */

const scratch = new Uint8Array(32);
const scratchView = new DataView(scratch.buffer);
const EMPTY = new Uint8Array(0);

function fillScratch(v: bigint): void {
  // setBigUint64 reduces its argument modulo 2^64, so each shift keeps exactly its limb.
  scratchView.setBigUint64(0, v >> 192n);
  scratchView.setBigUint64(8, v >> 128n);
  scratchView.setBigUint64(16, v >> 64n);
  scratchView.setBigUint64(24, v);
}

function readScratch(): bigint {
  const hi = scratchView.getBigUint64(0);
  const a = scratchView.getBigUint64(8);
  const b = scratchView.getBigUint64(16);
  const lo = scratchView.getBigUint64(24);
  if (hi === 0n && a === 0n && b === 0n) return lo;
  return (hi << 192n) | (a << 128n) | (b << 64n) | lo;
}

/** A fresh 32-byte big-endian copy of `v` (a storage key, a log topic). */
export function wordToBytes(v: bigint): Uint8Array {
  fillScratch(v);
  return scratch.slice();
}

/** Writes `v` as 32 big-endian bytes at `offset` (the caller has made room). */
export function writeWord(target: Uint8Array, offset: number, v: bigint): void {
  fillScratch(v);
  target.set(scratch, offset);
}

/** The shortest big-endian bytes of `v` > 0, as a fresh array (how SSTORE hands a value to the state). */
export function wordToMinimalBytes(v: bigint): Uint8Array {
  fillScratch(v);
  let i = 0;
  while (i < 31 && scratch[i] === 0) i++;
  return scratch.slice(i);
}

/** The word in `bytes[offset .. offset + 32)`, which must lie inside `bytes`. */
export function readWord(bytes: Uint8Array, offset: number): bigint {
  scratch.set(bytes.subarray(offset, offset + 32));
  return readScratch();
}

/** Big-endian bytes of any length up to 32 as a number (right-aligned, like bytesToBigInt). */
export function bytesToWord(bytes: Uint8Array): bigint {
  scratch.fill(0);
  scratch.set(bytes, 32 - bytes.length);
  return readScratch();
}

/** Up to 32 bytes left-aligned in a word, zeros after them (CALLDATALOAD near the end of the data). */
export function bytesToWordLeftAligned(bytes: Uint8Array): bigint {
  scratch.fill(0);
  scratch.set(bytes, 0);
  return readScratch();
}

/** A stored value as the EIP-2200 gas rules compare it: empty when zero, else 32 bytes (setLengthLeftStorage). */
export function storageComparable(value: Uint8Array): Uint8Array {
  let zero = true;
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== 0) {
      zero = false;
      break;
    }
  }
  if (zero) return EMPTY;
  if (value.length === 32) return value;
  const out = new Uint8Array(32);
  out.set(value, 32 - value.length);
  return out;
}

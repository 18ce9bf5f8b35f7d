import { bytesToHex, hexToBytes } from "@knode/common";
import { CryptoError, CryptoErrorCode } from "./errors.js";
import { keccak256 } from "./keccak.js";

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/** Lowercase 0x-prefixed hex, the canonical form of map keys and logs. */
export function addressToHex(a: Uint8Array): string {
  return bytesToHex(a);
}

/** Strict: 0x plus exactly 40 hex digits, any case (the checksum is not enforced). */
export function parseAddress(s: string): Uint8Array {
  if (typeof s !== "string" || !ADDRESS_RE.test(s)) {
    const value = typeof s === "string" ? s.slice(0, 80) : String(s);
    throw new CryptoError({ code: CryptoErrorCode.INVALID_ADDRESS, value }, `invalid address: ${value}`);
  }
  return hexToBytes(s);
}

/** EIP-55 mixed-case checksum encoding. */
export function toChecksumAddress(a: Uint8Array | string): string {
  const bytes = typeof a === "string" ? parseAddress(a) : a;
  if (bytes.length !== 20) {
    const value = bytesToHex(bytes);
    throw new CryptoError({ code: CryptoErrorCode.INVALID_ADDRESS, value }, `invalid address length: ${value}`);
  }
  const lower = bytesToHex(bytes).slice(2);
  const hash = keccak256(new TextEncoder().encode(lower));
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1] >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? lower[i].toUpperCase() : lower[i];
  }
  return out;
}

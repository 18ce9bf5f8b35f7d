import { bigIntToBytes, bytesToBigInt } from "@knode/common";
import { P2PError, P2PErrorCode } from "./errors.js";
import type { PeerHead, PeerRole } from "./interface.js";

export interface StatusMessage {
  chainId: bigint;
  genesisHash: Uint8Array;
  head: PeerHead;
  role: PeerRole;
}

const VERSION = 1;
const ROLE_CODES: readonly PeerRole[] = ["cn", "pn", "en"];
const HASH_BYTES = 32;
/** Chain ids above 2^256 make no sense; a 32-byte cap keeps the message tiny. */
const MAX_CHAIN_ID_BYTES = 32;
/** version + role + chainId length + chainId + genesis + head number + head hash. */
export const MAX_STATUS_BYTES = 3 + MAX_CHAIN_ID_BYTES + HASH_BYTES + 8 + HASH_BYTES;

function invalid(reason: string): P2PError {
  return new P2PError({ code: P2PErrorCode.INVALID_STATUS, reason }, `invalid status: ${reason}`);
}

/** Fixed binary layout rather than RLP: the message is tiny and decoding must be trivially bounded. */
export function encodeStatus(s: StatusMessage): Uint8Array {
  const chainId = bigIntToBytes(s.chainId);
  if (chainId.length > MAX_CHAIN_ID_BYTES) throw invalid("chain id too large");
  if (s.genesisHash.length !== HASH_BYTES || s.head.hash.length !== HASH_BYTES) throw invalid("hash length");
  if (s.head.number < 0n || s.head.number >= 1n << 64n) throw invalid("head number out of range");
  const out = new Uint8Array(3 + chainId.length + HASH_BYTES + 8 + HASH_BYTES);
  const view = new DataView(out.buffer);
  let o = 0;
  out[o++] = VERSION;
  out[o++] = ROLE_CODES.indexOf(s.role);
  out[o++] = chainId.length;
  out.set(chainId, o);
  o += chainId.length;
  out.set(s.genesisHash, o);
  o += HASH_BYTES;
  view.setBigUint64(o, s.head.number);
  o += 8;
  out.set(s.head.hash, o);
  return out;
}

export function decodeStatus(data: Uint8Array): StatusMessage {
  if (data.length < 3) throw invalid("too short");
  if (data[0] !== VERSION) throw invalid(`unknown version ${data[0]}`);
  const role = ROLE_CODES[data[1]];
  if (role === undefined) throw invalid(`unknown role ${data[1]}`);
  const idLen = data[2];
  if (idLen > MAX_CHAIN_ID_BYTES) throw invalid("chain id too large");
  if (data.length !== 3 + idLen + HASH_BYTES + 8 + HASH_BYTES) throw invalid("wrong length");
  let o = 3;
  const chainIdBytes = data.subarray(o, o + idLen);
  // A leading zero would give two encodings of one id; refuse it so the codec stays canonical.
  if (idLen > 0 && chainIdBytes[0] === 0) throw invalid("non-canonical chain id");
  const chainId = idLen === 0 ? 0n : bytesToBigInt(chainIdBytes);
  o += idLen;
  const genesisHash = data.slice(o, o + HASH_BYTES);
  o += HASH_BYTES;
  const number = new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(o);
  o += 8;
  const hash = data.slice(o, o + HASH_BYTES);
  return { chainId, genesisHash, head: { number, hash }, role };
}

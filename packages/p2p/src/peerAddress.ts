import { ECDH } from "node:crypto";
import { publicKeyToAddress } from "@knode/crypto";
import type { PeerId } from "@libp2p/interface";
import { P2PError, P2PErrorCode } from "./errors.js";

/**
 * The account address behind a peer id. knode peer ids embed the node's secp256k1 key, so the address
 * is authenticated by the noise handshake; any other key type cannot be a knode node and is refused.
 */
export function addressOfPeer(peerId: PeerId): Uint8Array {
  if (peerId.type !== "secp256k1" || peerId.publicKey === undefined) {
    throw new P2PError({ code: P2PErrorCode.UNSUPPORTED_PEER_KEY, peerId: peerId.toString() });
  }
  // libp2p carries the compressed form; the address hashes the uncompressed one.
  const uncompressed = ECDH.convertKey(peerId.publicKey.raw, "secp256k1", undefined, undefined, "uncompressed");
  if (typeof uncompressed === "string") throw new TypeError("convertKey returned a string");
  return publicKeyToAddress(uncompressed);
}

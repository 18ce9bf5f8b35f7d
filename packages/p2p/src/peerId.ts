import { publicKeyFromRaw } from "@libp2p/crypto/keys";
import { peerIdFromPublicKey } from "@libp2p/peer-id";

/**
 * The libp2p peer id of a node key. The same secp256k1 key gives the validator address and the peer id,
 * so a peer's id alone tells which council member it claims to be.
 * `publicKey` is the 33-byte compressed or 65-byte uncompressed secp256k1 key.
 */
export function peerIdFromNodePublicKey(publicKey: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString();
}

export function p2pMultiaddr(host: string, port: number, peerId: string): string {
  return `/ip4/${host}/tcp/${port}/p2p/${peerId}`;
}

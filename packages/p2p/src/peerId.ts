import { publicKeyFromRaw } from "@libp2p/crypto/keys";
import { peerIdFromPublicKey } from "@libp2p/peer-id";

/**
 * The libp2p peer id of a node key. The same secp256k1 key gives the validator address and the peer id,
 * so a peer's id alone tells which council member it claims to be.
 * `publicKey` is the 33-byte compressed or 65-byte uncompressed secp256k1 key.
 */
export function peerIdFromNodePublicKey(publicKey: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(compressPublicKey(publicKey))).toString();
}

/** libp2p identifies secp256k1 keys by their 33-byte compressed form; derive it from the 65-byte one. */
export function compressPublicKey(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length === 33) return publicKey;
  const xy = publicKey.length === 65 ? publicKey.subarray(1) : publicKey;
  if (xy.length !== 64) throw new RangeError(`unexpected secp256k1 public key length ${publicKey.length}`);
  const out = new Uint8Array(33);
  out[0] = (xy[63] & 1) === 0 ? 0x02 : 0x03;
  out.set(xy.subarray(0, 32), 1);
  return out;
}

export function p2pMultiaddr(host: string, port: number, peerId: string): string {
  return `/ip4/${host}/tcp/${port}/p2p/${peerId}`;
}

import { recoverAddress } from "@knode/crypto";

/**
 * Where the decoder gets a signer from. Decoding stays synchronous (it is the strict gate in front of the
 * state machine); recoveries done ahead of it, in the worker pool, are handed in through this seam.
 */
export interface SignerSource {
  /** The address that signed `hash`; throws when the signature is invalid. */
  recover(hash: Uint8Array, signature: Uint8Array): Uint8Array;
}

/** Recovers on the calling thread. */
export const mainThreadSigners: SignerSource = { recover: recoverAddress };

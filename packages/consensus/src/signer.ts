import { bytesToHex } from "@knode/common";
import { privateKeyToAddress, sign } from "@knode/crypto";
import type { SignedKind, SigningWal } from "./signingWal.js";

/**
 * The only place the node key signs consensus data. Every signature passes through the WAL first, so a
 * crash between recording and signing is harmless and a second, different signature for one slot is
 * impossible.
 */
export class ConsensusSigner {
  readonly address: Uint8Array;

  constructor(
    private readonly privateKey: Uint8Array,
    private readonly wal: SigningWal,
  ) {
    this.address = privateKeyToAddress(privateKey);
  }

  signDigest(height: bigint, round: number, kind: SignedKind, digest: Uint8Array): Uint8Array {
    this.wal.authorize(height, round, kind, bytesToHex(digest));
    return sign(digest, this.privateKey);
  }

  /** First round at which this node has not yet signed a proposal for `height`. */
  firstFreeRound(height: bigint): number {
    const r = this.wal.highestRound(height);
    return r === undefined ? 0 : r + 1;
  }

  close(): void {
    this.wal.close();
  }
}

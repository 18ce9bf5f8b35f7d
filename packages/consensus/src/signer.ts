import path from "node:path";
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

  /**
   * Signs `hash` after making `boundDigest` durable for the slot. The caller guarantees that `hash` is a
   * function of (height, round, boundDigest) alone — a message envelope over the block hash, say — so
   * recording the digest it commits to is as strong as recording the hash itself.
   */
  signBound(height: bigint, round: number, kind: SignedKind, boundDigest: Uint8Array, hash: Uint8Array): Uint8Array {
    this.wal.authorize(height, round, kind, bytesToHex(boundDigest));
    return sign(hash, this.privateKey);
  }

  /** The digest recorded for a slot, if this node ever signed there. */
  signedDigest(height: bigint, round: number, kind: SignedKind): string | undefined {
    return this.wal.signedDigest(height, round, kind);
  }

  /** Highest round this node signed anything at for `height`, if any. */
  highestRound(height: bigint): number | undefined {
    return this.wal.highestRound(height);
  }

  /** First round at which this node has not yet signed a proposal for `height`. */
  firstFreeRound(height: bigint): number {
    const r = this.wal.highestRound(height);
    return r === undefined ? 0 : r + 1;
  }

  /** The WAL directory; the prepared lock is kept beside the signing log. */
  get walDir(): string {
    return path.dirname(this.wal.path);
  }

  close(): void {
    this.wal.close();
  }
}

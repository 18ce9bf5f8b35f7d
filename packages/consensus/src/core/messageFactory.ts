import { type Block, commitSealDigest, proposerSealDigest } from "@knode/types";
import {
  type CommitMessage,
  EMPTY_RLP_LIST,
  encodeCertificate,
  encodeCommit,
  encodeEnvelope,
  encodeJustification,
  encodePrepare,
  encodePreprepare,
  encodeRoundChange,
  type Justification,
  MessageCode,
  messageSigningHash,
  type PreparedCertificate,
  type PrepareMessage,
  type PreprepareMessage,
  type RoundChangeMessage,
} from "../messages/consensusMessage.js";
import type { ConsensusSigner } from "../signer.js";

/** A message this node signed: the bytes to send and the decoded form it feeds to itself. */
export interface Outgoing<M> {
  bytes: Uint8Array;
  msg: M;
}

/**
 * Builds and signs this node's messages. Each signature goes through the signer's WAL under the digest
 * that matters for equivocation — the proposal's seal hash, the block hash, the commit seal digest, the
 * round-change content — so none of them can be produced twice with different content, even after a crash.
 * A refused slot surfaces as CONSENSUS_DOUBLE_SIGN_REFUSED.
 */
export class MessageFactory {
  constructor(private readonly signer: ConsensusSigner) {}

  get address(): Uint8Array {
    return this.signer.address;
  }

  preprepare(
    height: bigint,
    round: number,
    block: Block,
    blockBytes: Uint8Array,
    digest: Uint8Array,
    justification?: Justification,
  ): Outgoing<PreprepareMessage> {
    const payload = encodePreprepare(height, round, blockBytes);
    const sig = this.signer.signBound(
      height,
      round,
      "proposal",
      proposerSealDigest(block.header),
      messageSigningHash(MessageCode.Preprepare, payload),
    );
    const attachment = justification
      ? encodeJustification(
          justification.roundChanges.map((m) => m.signedBytes),
          justification.prepares.map((m) => m.signedBytes),
        )
      : EMPTY_RLP_LIST;
    const signedBytes = encodeEnvelope(MessageCode.Preprepare, payload, sig);
    const bytes = justification ? encodeEnvelope(MessageCode.Preprepare, payload, sig, attachment) : signedBytes;
    const msg: PreprepareMessage = {
      code: MessageCode.Preprepare,
      height,
      round,
      signer: this.signer.address,
      signedBytes,
      block,
      blockBytes,
      digest,
      justification,
    };
    return { bytes, msg };
  }

  prepare(height: bigint, round: number, digest: Uint8Array): Outgoing<PrepareMessage> {
    const payload = encodePrepare(height, round, digest);
    const sig = this.signer.signBound(
      height,
      round,
      "prepare",
      digest,
      messageSigningHash(MessageCode.Prepare, payload),
    );
    const bytes = encodeEnvelope(MessageCode.Prepare, payload, sig);
    return {
      bytes,
      msg: { code: MessageCode.Prepare, height, round, signer: this.signer.address, signedBytes: bytes, digest },
    };
  }

  commit(height: bigint, round: number, digest: Uint8Array): Outgoing<CommitMessage> {
    const sealDigest = commitSealDigest(digest);
    const committedSeal = this.signer.signDigest(height, round, "commit", sealDigest);
    const payload = encodeCommit(height, round, digest, committedSeal);
    const sig = this.signer.signBound(
      height,
      round,
      "commit",
      sealDigest,
      messageSigningHash(MessageCode.Commit, payload),
    );
    const bytes = encodeEnvelope(MessageCode.Commit, payload, sig);
    const msg: CommitMessage = {
      code: MessageCode.Commit,
      height,
      round,
      signer: this.signer.address,
      signedBytes: bytes,
      digest,
      committedSeal,
    };
    return { bytes, msg };
  }

  roundChange(
    height: bigint,
    round: number,
    lock?: { round: number; digest: Uint8Array } & PreparedCertificate,
  ): Outgoing<RoundChangeMessage> {
    const prepared = lock ? { round: lock.round, digest: lock.digest } : undefined;
    const payload = encodeRoundChange(height, round, prepared);
    const hash = messageSigningHash(MessageCode.RoundChange, payload);
    const sig = this.signer.signBound(height, round, "roundchange", hash, hash);
    const signedBytes = encodeEnvelope(MessageCode.RoundChange, payload, sig);
    const certificate = lock ? { block: lock.block, blockBytes: lock.blockBytes, prepares: lock.prepares } : undefined;
    const bytes = certificate
      ? encodeEnvelope(
          MessageCode.RoundChange,
          payload,
          sig,
          encodeCertificate(
            certificate.blockBytes,
            certificate.prepares.map((p) => p.signedBytes),
          ),
        )
      : signedBytes;
    const msg: RoundChangeMessage = {
      code: MessageCode.RoundChange,
      height,
      round,
      signer: this.signer.address,
      signedBytes,
      prepared,
      certificate,
    };
    return { bytes, msg };
  }
}

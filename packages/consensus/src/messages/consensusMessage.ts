import { equalBytes, errorMessage } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import {
  type Block,
  commitSealDigest,
  decodeBlock,
  headerHash,
  type RlpValue,
  rlpBigInt,
  rlpBytes,
  rlpDecode,
  rlpEncode,
  rlpEncodeEncodedList,
  rlpFixedBytes,
  rlpList,
  rlpNumber,
  rlpSplitList,
} from "@knode/types";
import { ConsensusError, ConsensusErrorCode } from "../errors.js";
import { mainThreadSigners, type SignerSource } from "./signerSource.js";

/**
 * Wire format of consensus messages (Klaytn message codes):
 *
 *   envelope    = rlp([code, payload, signature, attachment])
 *   signature   = sign(keccak(rlp([code, payload])), nodeKey)   — 65 bytes r‖s‖v; the sender is recovered
 *   payload     = PREPREPARE  [height, round, blockBytes]        (blockBytes = encodeBlock(block), a string)
 *                 PREPARE     [height, round, digest]
 *                 COMMIT      [height, round, digest, committedSeal]  (seal = sign(commitSealDigest(digest)))
 *                 ROUNDCHANGE [height, round] or [height, round, preparedRound, preparedDigest]
 *   attachment  = unsigned evidence, bound to the payload by digests:
 *                 PREPREPARE  [] at round 0, else [[roundChange envelopes], [prepare envelopes]] (QBFT
 *                             justification; nested envelopes are byte strings with an empty attachment)
 *                 ROUNDCHANGE [] or [preparedBlockBytes, [prepare envelopes]] (the prepared certificate)
 *                 others      []
 *
 * The digest is the block hash (headerHash: proposer seal kept, committed seals and round byte dropped), so
 * a block keeps its digest when it is re-proposed or committed in a later round.
 */
export enum MessageCode {
  Preprepare = 0,
  Prepare = 1,
  Commit = 2,
  RoundChange = 3,
}

/** Upper bound on one encoded message: a full block plus a justification of small envelopes. */
export const MAX_CONSENSUS_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Upper bound on the envelopes of one justification or certificate (Klaytn committees stay far below). */
export const MAX_JUSTIFICATION_ENTRIES = 512;
/** Rounds live in the header's single round byte. */
export const MAX_ROUND = 255;

interface MessageBase {
  height: bigint;
  round: number;
  /** Recovered from the signature (or our own address for messages we built). */
  signer: Uint8Array;
  /** The envelope with an empty attachment: what a justification carries. */
  signedBytes: Uint8Array;
}

export interface PreparedRef {
  round: number;
  digest: Uint8Array;
}

export interface Justification {
  roundChanges: RoundChangeMessage[];
  prepares: PrepareMessage[];
}

export interface PreprepareMessage extends MessageBase {
  code: MessageCode.Preprepare;
  block: Block;
  blockBytes: Uint8Array;
  digest: Uint8Array;
  justification?: Justification;
}

export interface PrepareMessage extends MessageBase {
  code: MessageCode.Prepare;
  digest: Uint8Array;
}

export interface CommitMessage extends MessageBase {
  code: MessageCode.Commit;
  digest: Uint8Array;
  committedSeal: Uint8Array;
}

export interface PreparedCertificate {
  block: Block;
  blockBytes: Uint8Array;
  prepares: PrepareMessage[];
}

export interface RoundChangeMessage extends MessageBase {
  code: MessageCode.RoundChange;
  prepared?: PreparedRef;
  certificate?: PreparedCertificate;
}

export type ConsensusMessage = PreprepareMessage | PrepareMessage | CommitMessage | RoundChangeMessage;

export const EMPTY_RLP_LIST = Uint8Array.of(0xc0);

function invalid(reason: string): ConsensusError {
  return new ConsensusError(
    { code: ConsensusErrorCode.INVALID_MESSAGE, reason },
    `invalid consensus message: ${reason}`,
  );
}

/** keccak(rlp([code, payload])): what the sender signs. `payload` is the encoded payload list. */
export function messageSigningHash(code: MessageCode, payload: Uint8Array): Uint8Array {
  return keccak256(rlpEncodeEncodedList([rlpEncode(code), payload]));
}

export function encodePreprepare(height: bigint, round: number, blockBytes: Uint8Array): Uint8Array {
  return rlpEncode([height, round, blockBytes]);
}

export function encodePrepare(height: bigint, round: number, digest: Uint8Array): Uint8Array {
  return rlpEncode([height, round, digest]);
}

export function encodeCommit(height: bigint, round: number, digest: Uint8Array, committedSeal: Uint8Array): Uint8Array {
  return rlpEncode([height, round, digest, committedSeal]);
}

export function encodeRoundChange(height: bigint, round: number, prepared?: PreparedRef): Uint8Array {
  return rlpEncode(prepared ? [height, round, prepared.round, prepared.digest] : [height, round]);
}

/** Evidence for a PREPREPARE: the round-change quorum and the prepares of the highest certificate. */
export function encodeJustification(roundChanges: Uint8Array[], prepares: Uint8Array[]): Uint8Array {
  return rlpEncode([roundChanges, prepares]);
}

/** The prepared certificate a ROUNDCHANGE carries. */
export function encodeCertificate(blockBytes: Uint8Array, prepares: Uint8Array[]): Uint8Array {
  return rlpEncode([blockBytes, prepares]);
}

/** Assembles an envelope; `payload` and `attachment` are already RLP-encoded lists. */
export function encodeEnvelope(
  code: MessageCode,
  payload: Uint8Array,
  signature: Uint8Array,
  attachment: Uint8Array = EMPTY_RLP_LIST,
): Uint8Array {
  return rlpEncodeEncodedList([rlpEncode(code), payload, rlpEncode(signature), attachment]);
}

/**
 * Strict decoding: size cap, canonical RLP, exact field counts and widths, a recoverable signature, a
 * committed seal by the same signer, and well-formed evidence (nested envelopes recovered too). Throws
 * ConsensusError; whether the message is *useful* (committee, view, justification) is the core's business.
 */
export function decodeConsensusMessage(bytes: Uint8Array, signers: SignerSource = mainThreadSigners): ConsensusMessage {
  if (bytes.length > MAX_CONSENSUS_MESSAGE_BYTES) {
    throw new ConsensusError(
      { code: ConsensusErrorCode.MESSAGE_TOO_LARGE, size: bytes.length, max: MAX_CONSENSUS_MESSAGE_BYTES },
      `consensus message of ${bytes.length} bytes exceeds ${MAX_CONSENSUS_MESSAGE_BYTES}`,
    );
  }
  return decodeEnvelope(bytes, false, signers);
}

function decodeEnvelope(bytes: Uint8Array, nested: boolean, signers: SignerSource): ConsensusMessage {
  let items: Uint8Array[];
  let code: number;
  let payload: RlpValue[];
  let signature: Uint8Array;
  let attachment: RlpValue[];
  try {
    items = rlpSplitList(bytes);
    if (items.length !== 4) throw invalid(`expected 4 envelope items, got ${items.length}`);
    code = rlpNumber(rlpDecode(items[0]), "code");
    payload = rlpList(rlpDecode(items[1]), "payload");
    signature = rlpFixedBytes(rlpDecode(items[2]), "signature", 65);
    attachment = rlpList(rlpDecode(items[3]), "attachment");
  } catch (e) {
    if (e instanceof ConsensusError) throw e;
    throw invalid(errorMessage(e));
  }
  if (code > MessageCode.RoundChange) throw invalid(`unknown message code ${code}`);
  if (nested && attachment.length !== 0) throw invalid("nested envelope carries an attachment");
  let signer: Uint8Array;
  try {
    signer = signers.recover(messageSigningHash(code, items[1]), signature);
  } catch (e) {
    throw new ConsensusError(
      { code: ConsensusErrorCode.BAD_SIGNATURE, reason: errorMessage(e) },
      "bad message signature",
    );
  }
  const signedBytes =
    attachment.length === 0 ? bytes : rlpEncodeEncodedList([items[0], items[1], items[2], EMPTY_RLP_LIST]);
  try {
    return decodePayload(code as MessageCode, payload, attachment, signer, signedBytes, nested, signers);
  } catch (e) {
    if (e instanceof ConsensusError) throw e;
    throw invalid(errorMessage(e));
  }
}

function decodePayload(
  code: MessageCode,
  p: RlpValue[],
  attachment: RlpValue[],
  signer: Uint8Array,
  signedBytes: Uint8Array,
  nested: boolean,
  signers: SignerSource,
): ConsensusMessage {
  const height = rlpBigInt(p[0], "height", 8);
  const round = rlpNumber(p[1], "round");
  if (round > MAX_ROUND) throw invalid(`round ${round} above ${MAX_ROUND}`);
  const base = { height, round, signer, signedBytes };
  switch (code) {
    case MessageCode.Preprepare: {
      if (nested) throw invalid("a preprepare cannot be nested");
      expectFields(p, 3);
      const blockBytes = rlpBytes(p[2], "block");
      const block = decodeBlock(blockBytes);
      const msg: PreprepareMessage = { code, ...base, block, blockBytes, digest: headerHash(block.header) };
      if (attachment.length !== 0) {
        expectFields(attachment, 2);
        msg.justification = {
          roundChanges: nestedList(
            attachment[0],
            "roundChanges",
            MessageCode.RoundChange,
            signers,
          ) as RoundChangeMessage[],
          prepares: nestedList(attachment[1], "prepares", MessageCode.Prepare, signers) as PrepareMessage[],
        };
      }
      return msg;
    }
    case MessageCode.Prepare:
      expectFields(p, 3);
      noAttachment(attachment);
      return { code, ...base, digest: rlpFixedBytes(p[2], "digest", 32) };
    case MessageCode.Commit: {
      if (nested) throw invalid("a commit cannot be nested");
      expectFields(p, 4);
      noAttachment(attachment);
      const digest = rlpFixedBytes(p[2], "digest", 32);
      const committedSeal = rlpFixedBytes(p[3], "committedSeal", 65);
      // The seal goes into the block as is; one that is not the sender's would make the block unimportable.
      let sealer: Uint8Array | undefined;
      try {
        sealer = signers.recover(commitSealDigest(digest), committedSeal);
      } catch {
        sealer = undefined;
      }
      if (!sealer || !equalBytes(sealer, signer)) {
        throw new ConsensusError(
          { code: ConsensusErrorCode.BAD_SIGNATURE, reason: "committed seal not by the sender" },
          "committed seal not by the sender",
        );
      }
      return { code, ...base, digest, committedSeal };
    }
    case MessageCode.RoundChange: {
      if (p.length !== 2 && p.length !== 4) throw invalid(`roundchange has ${p.length} fields`);
      if (round === 0) throw invalid("round change to round 0");
      const msg: RoundChangeMessage = { code, ...base };
      if (p.length === 4) {
        msg.prepared = { round: rlpNumber(p[2], "preparedRound"), digest: rlpFixedBytes(p[3], "preparedDigest", 32) };
        if (msg.prepared.round >= round) throw invalid("prepared round not below the round change");
      }
      if (attachment.length !== 0) {
        if (!msg.prepared) throw invalid("certificate without a prepared round");
        expectFields(attachment, 2);
        const blockBytes = rlpBytes(attachment[0], "preparedBlock");
        msg.certificate = {
          block: decodeBlock(blockBytes),
          blockBytes,
          prepares: nestedList(attachment[1], "prepares", MessageCode.Prepare, signers) as PrepareMessage[],
        };
      }
      return msg;
    }
  }
}

function expectFields(list: RlpValue[], n: number): void {
  if (list.length !== n) throw invalid(`expected ${n} fields, got ${list.length}`);
}

function noAttachment(attachment: RlpValue[]): void {
  if (attachment.length !== 0) throw invalid("unexpected attachment");
}

function nestedList(v: RlpValue, name: string, code: MessageCode, signers: SignerSource): ConsensusMessage[] {
  const list = rlpList(v, name);
  if (list.length > MAX_JUSTIFICATION_ENTRIES) throw invalid(`${name} has ${list.length} entries`);
  return list.map((item, i) => {
    const msg = decodeEnvelope(rlpBytes(item, `${name}[${i}]`), true, signers);
    if (msg.code !== code) throw invalid(`${name}[${i}] has code ${msg.code}`);
    return msg;
  });
}

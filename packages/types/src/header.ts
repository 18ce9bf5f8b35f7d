import { concatBytes } from "@knode/common";
import { keccak256, recoverAddress } from "@knode/crypto";
import { TypesError, TypesErrorCode, withTypesCode } from "./errors.js";
import { decodeIstanbulExtra, filterIstanbulExtra } from "./istanbulExtra.js";
import type { Header, IstanbulExtra } from "./model.js";
import {
  type RlpInput,
  rlpAddress,
  rlpBigInt,
  rlpBytes,
  rlpDecode,
  rlpEncode,
  rlpFixedBytes,
  rlpList,
  rlpNumber,
} from "./rlp.js";

const BASE_FIELDS = 14;
/** Klaytn's istanbul message code for commit, appended to the block hash in committed seals. */
const MSG_COMMIT = 0x02;

function headerFields(h: Header, extraData: Uint8Array): RlpInput[] {
  const fields: RlpInput[] = [
    h.parentHash,
    h.rewardbase,
    h.stateRoot,
    h.txRoot,
    h.receiptsRoot,
    h.logsBloom,
    h.blockScore,
    h.number,
    h.gasUsed,
    h.timestamp,
    h.timestampFoS,
    extraData,
    h.governanceData,
    h.voteData,
  ];
  const randao = h.randomReveal !== undefined || h.mixHash !== undefined;
  if (h.baseFee !== undefined) fields.push(h.baseFee);
  else if (randao)
    throw new TypesError({ code: TypesErrorCode.INVALID_HEADER, field: "baseFee" }, "Randao fields need a baseFee");
  if (randao) {
    if (h.randomReveal === undefined || h.mixHash === undefined) {
      throw new TypesError(
        { code: TypesErrorCode.INVALID_HEADER, field: "mixHash" },
        "randomReveal and mixHash go together",
      );
    }
    fields.push(h.randomReveal, h.mixHash);
  }
  return fields;
}

export function encodeHeader(h: Header): Uint8Array {
  return rlpEncode(headerFields(h, h.extraData));
}

export function decodeHeader(bytes: Uint8Array): Header {
  return withTypesCode(TypesErrorCode.INVALID_HEADER, "header", () => {
    const f = rlpList(rlpDecode(bytes), "header");
    if (f.length !== BASE_FIELDS && f.length !== BASE_FIELDS + 1 && f.length !== BASE_FIELDS + 3) {
      throw new TypesError({ code: TypesErrorCode.INVALID_HEADER }, `invalid header: ${f.length} fields`);
    }
    const timestampFoS = rlpNumber(f[10], "timestampFoS");
    if (timestampFoS > 255)
      throw new TypesError(
        { code: TypesErrorCode.INVALID_HEADER, field: "timestampFoS" },
        "invalid header: timestampFoS above 255",
      );
    const h: Header = {
      parentHash: rlpFixedBytes(f[0], "parentHash", 32),
      rewardbase: rlpAddress(f[1], "rewardbase"),
      stateRoot: rlpFixedBytes(f[2], "stateRoot", 32),
      txRoot: rlpFixedBytes(f[3], "txRoot", 32),
      receiptsRoot: rlpFixedBytes(f[4], "receiptsRoot", 32),
      logsBloom: rlpFixedBytes(f[5], "logsBloom", 256),
      blockScore: rlpBigInt(f[6], "blockScore"),
      number: rlpBigInt(f[7], "number", 8),
      gasUsed: rlpBigInt(f[8], "gasUsed", 8),
      timestamp: rlpBigInt(f[9], "timestamp"),
      timestampFoS,
      extraData: rlpBytes(f[11], "extraData"),
      governanceData: rlpBytes(f[12], "governanceData"),
      voteData: rlpBytes(f[13], "voteData"),
    };
    if (f.length > BASE_FIELDS) h.baseFee = rlpBigInt(f[14], "baseFee");
    if (f.length > BASE_FIELDS + 1) {
      h.randomReveal = rlpBytes(f[15], "randomReveal");
      h.mixHash = rlpBytes(f[16], "mixHash");
    }
    return h;
  });
}

/** The block hash: committed seals emptied and the round byte zeroed, the proposer's seal kept. */
export function headerHash(h: Header): Uint8Array {
  return hashWithExtra(h, decodeIstanbulExtra(h.extraData), true);
}

function hashWithExtra(h: Header, e: IstanbulExtra, keepSeal: boolean): Uint8Array {
  return keccak256(rlpEncode(headerFields(h, filterIstanbulExtra(e, keepSeal))));
}

/** keccak of the header with seal and committed seals emptied and the round zeroed. */
export function proposerSealHash(h: Header): Uint8Array {
  return hashWithExtra(h, decodeIstanbulExtra(h.extraData), false);
}

/** What the proposer actually signs: Klaytn hashes the seal hash once more before signing. */
export function proposerSealDigest(h: Header): Uint8Array {
  return keccak256(proposerSealHash(h));
}

/** What each committer signs: keccak(blockHash ‖ 0x02). */
export function commitSealDigest(blockHash: Uint8Array): Uint8Array {
  return keccak256(concatBytes(blockHash, Uint8Array.of(MSG_COMMIT)));
}

function sealError(what: string, e: unknown, index?: number): TypesError {
  const reason = e instanceof Error ? e.message : String(e);
  return new TypesError({ code: TypesErrorCode.INVALID_SEAL, index }, `${what}: ${reason}`);
}

export function recoverProposer(h: Header): Uint8Array {
  const e = decodeIstanbulExtra(h.extraData);
  try {
    return recoverAddress(keccak256(hashWithExtra(h, e, false)), e.seal);
  } catch (e) {
    throw sealError("invalid proposer seal", e);
  }
}

/** The signer of every committed seal, in order; throws TYPES_INVALID_SEAL naming the first bad one. */
export function recoverCommitters(h: Header): Uint8Array[] {
  const e = decodeIstanbulExtra(h.extraData);
  const digest = commitSealDigest(hashWithExtra(h, e, true));
  return e.committedSeals.map((seal, i) => {
    try {
      return recoverAddress(digest, seal);
    } catch (e) {
      throw sealError(`invalid committed seal ${i}`, e, i);
    }
  });
}

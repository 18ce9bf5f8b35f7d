import { errorMessage } from "@knode/common";
import { parseAddress } from "@knode/crypto";
import { rlpAddress, rlpBytes, rlpDecode, rlpEncode, rlpList } from "@knode/types";
import { GovernanceError, GovernanceErrorCode } from "./errors.js";

/** Keys a vote may carry; Klaytn has more, knode acts on the council ones. */
export enum GovernanceKey {
  AddValidator = "governance.addvalidator",
  RemoveValidator = "governance.removevalidator",
}

/** A vote as it sits in a header's voteData: Klaytn's RLP [validator, key, value]. */
export interface GovernanceVote {
  /** The node that cast the vote (must be the block's proposer). */
  validator: Uint8Array;
  key: GovernanceKey;
  /** Addresses added or removed; Klaytn encodes one address as bytes, several as a list. */
  addresses: Uint8Array[];
}

/** Votes are a few dozen bytes; anything larger in a header is garbage. */
export const MAX_VOTE_DATA_BYTES = 4096;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

export function isGovernanceKey(key: string): key is GovernanceKey {
  return key === GovernanceKey.AddValidator || key === GovernanceKey.RemoveValidator;
}

export function encodeVoteData(v: GovernanceVote): Uint8Array {
  const value = v.addresses.length === 1 ? v.addresses[0] : v.addresses;
  return rlpEncode([v.validator, textEncoder.encode(v.key), value]);
}

function invalid(reason: string): GovernanceError {
  return new GovernanceError({ code: GovernanceErrorCode.INVALID_VOTE_DATA, reason }, `invalid vote data: ${reason}`);
}

export function decodeVoteData(bytes: Uint8Array): GovernanceVote {
  if (bytes.length > MAX_VOTE_DATA_BYTES) throw invalid(`${bytes.length} bytes`);
  try {
    const f = rlpList(rlpDecode(bytes), "vote");
    if (f.length !== 3) throw invalid(`expected 3 fields, got ${f.length}`);
    const validator = rlpAddress(f[0], "validator");
    const key = textDecoder.decode(rlpBytes(f[1], "key"));
    if (!isGovernanceKey(key)) throw invalid(`unsupported key ${key.slice(0, 64)}`);
    const value = f[2];
    const addresses = Array.isArray(value)
      ? value.map((a, i) => rlpAddress(a, `value[${i}]`))
      : [rlpAddress(value, "value")];
    if (addresses.length === 0) throw invalid("no address");
    return { validator, key, addresses };
  } catch (e) {
    if (e instanceof GovernanceError) throw e;
    throw invalid(errorMessage(e));
  }
}

/** The value of governance_vote for the council keys: one address or a comma-separated list. */
export function parseVoteValue(key: string, value: unknown): Uint8Array[] {
  const parts = typeof value === "string" ? value.split(",").map((s) => s.trim()) : Array.isArray(value) ? value : [];
  if (parts.length === 0) {
    throw new GovernanceError({ code: GovernanceErrorCode.INVALID_VALUE, key, reason: "expected an address" });
  }
  try {
    return parts.map((p) => parseAddress(String(p)));
  } catch (e) {
    throw new GovernanceError(
      { code: GovernanceErrorCode.INVALID_VALUE, key, reason: errorMessage(e) },
      errorMessage(e),
    );
  }
}

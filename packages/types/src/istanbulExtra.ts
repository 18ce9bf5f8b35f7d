import { concatBytes } from "@knode/common";
import { TypesError, TypesErrorCode, withTypesCode } from "./errors.js";
import type { Header, IstanbulExtra } from "./model.js";
import { type RlpValue, rlpAddress, rlpBytes, rlpDecode, rlpEncode, rlpList } from "./rlp.js";

/** Klaytn's IstanbulExtraVanity / IstanbulExtraSeal. */
export const ISTANBUL_VANITY_LENGTH = 32;
export const ISTANBUL_SEAL_LENGTH = 65;
/** The round lives in the last vanity byte. */
const ROUND_INDEX = 31;

const EMPTY = new Uint8Array(0);

function invalidExtra(message: string, field?: string): TypesError {
  return new TypesError({ code: TypesErrorCode.INVALID_EXTRA, field }, `invalid istanbul extra: ${message}`);
}

function invalidSeal(message: string, index?: number): TypesError {
  return new TypesError({ code: TypesErrorCode.INVALID_SEAL, index }, message);
}

function checkSeal(seal: Uint8Array, allowEmpty: boolean, index?: number): void {
  if (seal.length === ISTANBUL_SEAL_LENGTH || (allowEmpty && seal.length === 0)) return;
  const what = index === undefined ? "seal" : `committed seal ${index}`;
  throw invalidSeal(`${what} must be ${ISTANBUL_SEAL_LENGTH} bytes, got ${seal.length}`, index);
}

export function decodeIstanbulExtra(extraData: Uint8Array): IstanbulExtra {
  return withTypesCode(TypesErrorCode.INVALID_EXTRA, "istanbul extra", () => {
    if (extraData.length < ISTANBUL_VANITY_LENGTH) throw invalidExtra("shorter than the 32-byte vanity", "vanity");
    const list = rlpList(rlpDecode(extraData.subarray(ISTANBUL_VANITY_LENGTH)), "istanbulExtra");
    if (list.length !== 3) throw invalidExtra(`expected [validators, seal, committedSeals], got ${list.length} items`);
    const validators = rlpList(list[0], "validators").map((v: RlpValue, i: number) =>
      rlpAddress(v, `validators[${i}]`),
    );
    const seal = rlpBytes(list[1], "seal");
    const committedSeals = rlpList(list[2], "committedSeals").map((v: RlpValue, i: number) =>
      rlpBytes(v, `committedSeals[${i}]`),
    );
    try {
      checkSeal(seal, true);
      for (let i = 0; i < committedSeals.length; i++) checkSeal(committedSeals[i], false, i);
    } catch (e) {
      throw invalidExtra(e instanceof Error ? e.message : String(e), "seal");
    }
    return { vanity: extraData.slice(0, ISTANBUL_VANITY_LENGTH), validators, seal, committedSeals };
  });
}

export function encodeIstanbulExtra(e: IstanbulExtra): Uint8Array {
  if (e.vanity.length !== ISTANBUL_VANITY_LENGTH) throw invalidExtra("vanity must be 32 bytes", "vanity");
  return concatBytes(e.vanity, rlpEncode([e.validators, e.seal, e.committedSeals]));
}

/** Genesis extra as homi writes it: zero vanity, the council, a 65-byte zero seal, no committed seals. */
export function genesisExtraData(validators: Uint8Array[]): Uint8Array {
  return encodeIstanbulExtra({
    vanity: new Uint8Array(ISTANBUL_VANITY_LENGTH),
    validators,
    seal: new Uint8Array(ISTANBUL_SEAL_LENGTH),
    committedSeals: [],
  });
}

/**
 * The extra used for hashing: round byte zeroed, committed seals dropped, the seal kept or emptied.
 * Klaytn calls the header carrying it IstanbulFilteredHeader.
 */
export function filterIstanbulExtra(e: IstanbulExtra, keepSeal: boolean): Uint8Array {
  // new Uint8Array copies even when the input is a Node Buffer, whose slice() is a view.
  const vanity = new Uint8Array(e.vanity);
  vanity[ROUND_INDEX] = 0;
  return encodeIstanbulExtra({ vanity, validators: e.validators, seal: keepSeal ? e.seal : EMPTY, committedSeals: [] });
}

export function setHeaderSeal(h: Header, seal: Uint8Array): Header {
  checkSeal(seal, false);
  const e = decodeIstanbulExtra(h.extraData);
  return { ...h, extraData: encodeIstanbulExtra({ ...e, seal }) };
}

export function setCommittedSeals(h: Header, seals: Uint8Array[]): Header {
  for (let i = 0; i < seals.length; i++) checkSeal(seals[i], false, i);
  const e = decodeIstanbulExtra(h.extraData);
  return { ...h, extraData: encodeIstanbulExtra({ ...e, committedSeals: seals }) };
}

export function setHeaderRound(h: Header, round: number): Header {
  if (!Number.isInteger(round) || round < 0 || round > 255) {
    throw invalidExtra(`round ${round} does not fit the round byte`, "round");
  }
  if (h.extraData.length < ISTANBUL_VANITY_LENGTH) throw invalidExtra("shorter than the 32-byte vanity", "vanity");
  const extraData = new Uint8Array(h.extraData);
  extraData[ROUND_INDEX] = round;
  return { ...h, extraData };
}

/** The consensus round the block was proposed in (extra[31]); it wraps at 256 by construction. */
export function headerRound(h: Header): number {
  if (h.extraData.length < ISTANBUL_VANITY_LENGTH) throw invalidExtra("shorter than the 32-byte vanity", "vanity");
  return h.extraData[ROUND_INDEX];
}

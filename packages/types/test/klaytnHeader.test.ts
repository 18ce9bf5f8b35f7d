import { bytesToHex, hexToBytes, isKnodeError } from "@knode/common";
import { keccak256, privateKeyToAddress, randomPrivateKey, sign } from "@knode/crypto";
import { describe, expect, it } from "vitest";
import {
  commitSealDigest,
  decodeHeader,
  decodeIstanbulExtra,
  encodeHeader,
  encodeIstanbulExtra,
  genesisExtraData,
  type Header,
  headerHash,
  headerRound,
  proposerSealDigest,
  proposerSealHash,
  recoverCommitters,
  recoverProposer,
  rlpDecode,
  rlpEncode,
  setCommittedSeals,
  setHeaderRound,
  setHeaderSeal,
  TypesErrorCode,
} from "../src/index.js";
import { readFixture } from "./fixtures.js";

interface BlockVector {
  name: string;
  hash: string;
  header: Record<string, string>;
  encodedBlock: string;
  derivedByFixtureAuthor: Record<string, unknown> & {
    validators: string[];
    seal: string;
    committedSeals: string[];
    vanity: string;
  };
}
interface ExtraVector {
  name: string;
  input?: { headerExtra: string; validators?: string[]; seal?: string; committedSeals?: string[] };
  expectedExtra?: string;
  extraData?: string;
  expectedDecoded?: { validators: string[]; seal: string; committedSeal: string[] };
  derivedByFixtureAuthor?: { expectedExtra?: string; validators?: string[]; seal?: string; committedSeals?: string[] };
}
interface HeaderVectors {
  blocks: BlockVector[];
  istanbulExtra: ExtraVector[];
}

const vectors = readFixture<HeaderVectors>("klaytn/header-vectors.json");

function derived(v: BlockVector, prefix: string): unknown {
  const key = Object.keys(v.derivedByFixtureAuthor).find((k) => k.startsWith(prefix));
  if (!key) throw new Error(`no ${prefix} in ${v.name}`);
  return v.derivedByFixtureAuthor[key];
}

function headerBytesOf(v: BlockVector): Uint8Array {
  const block = rlpDecode(hexToBytes(v.encodedBlock));
  if (!Array.isArray(block)) throw new Error("block is not a list");
  return rlpEncode(block[0]);
}

const hex = (b: Uint8Array) => bytesToHex(b);

describe("klaytn header vectors", () => {
  it.each(vectors.blocks.map((b) => [b.name, b] as const))("%s", (_n, v) => {
    const bytes = headerBytesOf(v);
    const h = decodeHeader(bytes);
    expect(encodeHeader(h)).toEqual(bytes);
    const f = v.header;
    expect(hex(h.parentHash)).toBe(f.parentHash);
    expect(hex(h.rewardbase)).toBe(f.reward);
    expect(hex(h.txRoot)).toBe(f.transactionsRoot);
    expect(h.number).toBe(BigInt(f.number));
    expect(h.timestamp).toBe(BigInt(f.timestamp));
    expect(h.timestampFoS).toBe(Number(f.timestampFoS));
    expect(hex(h.extraData)).toBe(f.extraData);
    expect(hex(h.voteData)).toBe(f.voteData);
    expect(h.baseFee).toBe(f.baseFeePerGas === undefined ? undefined : BigInt(f.baseFeePerGas));
    expect(h.mixHash === undefined ? undefined : hex(h.mixHash)).toBe(f.mixHash);

    expect(hex(headerHash(h))).toBe(v.hash);
    expect(hex(keccak256(bytes))).not.toBe(v.hash);
    expect(hex(proposerSealHash(h))).toBe(derived(v, "sealHash"));
    expect(headerRound(h)).toBe(0);

    const extra = decodeIstanbulExtra(h.extraData);
    expect(extra.validators.map(hex)).toEqual(v.derivedByFixtureAuthor.validators);
    expect(hex(extra.seal)).toBe(v.derivedByFixtureAuthor.seal);
    expect(extra.committedSeals.map(hex)).toEqual(v.derivedByFixtureAuthor.committedSeals);
    expect(hex(extra.vanity)).toBe(v.derivedByFixtureAuthor.vanity);
    expect(encodeIstanbulExtra(extra)).toEqual(h.extraData);

    expect(hex(recoverProposer(h))).toBe(derived(v, "proposer"));
    expect(recoverCommitters(h).map(hex)).toEqual(derived(v, "committers"));
  });

  it("the block hash ignores committed seals and the round, but not the seal", () => {
    const h = decodeHeader(headerBytesOf(vectors.blocks[1]));
    const hash = headerHash(h);
    expect(headerHash(setCommittedSeals(h, []))).toEqual(hash);
    const rounded = setHeaderRound(h, 7);
    expect(headerRound(rounded)).toBe(7);
    expect(headerRound(h)).toBe(0);
    expect(headerHash(rounded)).toEqual(hash);
    expect(proposerSealHash(rounded)).toEqual(proposerSealHash(h));
    const resealed = setHeaderSeal(h, new Uint8Array(65).fill(1));
    expect(headerHash(resealed)).not.toEqual(hash);
    expect(proposerSealHash(resealed)).toEqual(proposerSealHash(h));
  });

  it("sign → recover through the seal helpers", () => {
    const proposerKey = randomPrivateKey();
    const committerKeys = [randomPrivateKey(), randomPrivateKey()];
    const base = decodeHeader(headerBytesOf(vectors.blocks[1]));
    let h: Header = setHeaderRound(setCommittedSeals(base, []), 3);
    h = setHeaderSeal(h, sign(proposerSealDigest(h), proposerKey));
    expect(recoverProposer(h)).toEqual(privateKeyToAddress(proposerKey));
    const digest = commitSealDigest(headerHash(h));
    h = setCommittedSeals(
      h,
      committerKeys.map((k) => sign(digest, k)),
    );
    expect(recoverCommitters(h)).toEqual(committerKeys.map(privateKeyToAddress));
    expect(recoverProposer(h)).toEqual(privateKeyToAddress(proposerKey));
  });

  it("rejects bad seals with TYPES_INVALID_SEAL", () => {
    const h = decodeHeader(headerBytesOf(vectors.blocks[0]));
    const zeroSeal = setCommittedSeals(h, [new Uint8Array(65)]);
    let err: unknown;
    try {
      recoverCommitters(zeroSeal);
    } catch (e) {
      err = e;
    }
    expect(isKnodeError(err, TypesErrorCode.INVALID_SEAL)).toBe(true);
    expect(() => recoverProposer(setHeaderSeal(h, new Uint8Array(65)))).toThrow(/invalid proposer seal/);
    expect(() => setHeaderSeal(h, new Uint8Array(66))).toThrow(/65 bytes/);
    expect(() => setCommittedSeals(h, [new Uint8Array(66)])).toThrow(/65 bytes/);
  });

  it("rejects malformed headers with TYPES_INVALID_HEADER", () => {
    const bytes = headerBytesOf(vectors.blocks[1]);
    const fields = rlpDecode(bytes);
    if (!Array.isArray(fields)) throw new Error("not a list");
    const bad = [
      rlpEncode(fields.slice(0, 13)),
      rlpEncode([...fields, new Uint8Array(0)]),
      rlpEncode([new Uint8Array(31), ...fields.slice(1)]),
      rlpEncode([...fields.slice(0, 7), Uint8Array.of(0, 1), ...fields.slice(8)]),
      bytes.subarray(0, bytes.length - 1),
      Uint8Array.of(...bytes, 0),
    ];
    for (const b of bad) {
      let err: unknown;
      try {
        decodeHeader(b);
      } catch (e) {
        err = e;
      }
      expect(isKnodeError(err, TypesErrorCode.INVALID_HEADER), String(err)).toBe(true);
    }
  });
});

describe("istanbul extra vectors", () => {
  const [prepare, writeSeal, writeCommitted, ...genesis] = vectors.istanbulExtra;

  it("prepareExtra", () => {
    const validators = (prepare.input?.validators ?? []).map(hexToBytes);
    const vanity = hexToBytes(prepare.input?.headerExtra ?? "").subarray(0, 32);
    const extra = encodeIstanbulExtra({ vanity, validators, seal: new Uint8Array(0), committedSeals: [] });
    expect(hex(extra)).toBe(prepare.expectedExtra);
    expect(decodeIstanbulExtra(extra).validators).toEqual(validators);
  });

  it.each([
    ["writeSeal", writeSeal],
    ["writeCommittedSeals", writeCommitted],
  ] as const)("%s", (_n, v) => {
    const extra = hexToBytes(v.derivedByFixtureAuthor?.expectedExtra ?? "");
    const decoded = decodeIstanbulExtra(extra);
    expect(decoded.validators.map(hex)).toEqual(v.expectedDecoded?.validators);
    expect(hex(decoded.seal)).toBe(v.expectedDecoded?.seal);
    expect(decoded.committedSeals.map(hex)).toEqual(v.expectedDecoded?.committedSeal ?? []);
    expect(encodeIstanbulExtra(decoded)).toEqual(extra);
    // Rebuild through the header helpers, from the unsealed input extra.
    const h = decodeHeader(headerBytesOf(vectors.blocks[0]));
    const unsealed = { ...h, extraData: hexToBytes(v.input?.headerExtra ?? "") };
    const written = v.input?.seal
      ? setHeaderSeal(unsealed, hexToBytes(v.input.seal))
      : setCommittedSeals(unsealed, (v.input?.committedSeals ?? []).map(hexToBytes));
    expect(written.extraData).toEqual(extra);
  });

  it.each(genesis.map((g) => [g.name, g] as const))("%s", (_n, g) => {
    const extra = hexToBytes(g.extraData ?? "");
    const decoded = decodeIstanbulExtra(extra);
    expect(decoded.validators.map(hex)).toEqual(g.derivedByFixtureAuthor?.validators);
    expect(hex(decoded.seal)).toBe(g.derivedByFixtureAuthor?.seal);
    expect(decoded.committedSeals).toEqual([]);
    expect(encodeIstanbulExtra(decoded)).toEqual(extra);
    expect(genesisExtraData(decoded.validators)).toEqual(extra);
  });

  it("rejects malformed extra data", () => {
    for (const bad of [
      new Uint8Array(31),
      new Uint8Array(32),
      Uint8Array.of(...new Uint8Array(32), 0xc0),
      Uint8Array.of(...new Uint8Array(32), 0xc3, 0xc0, 0x80, 0xc1),
    ]) {
      let err: unknown;
      try {
        decodeIstanbulExtra(bad);
      } catch (e) {
        err = e;
      }
      expect(isKnodeError(err, TypesErrorCode.INVALID_EXTRA), String(err)).toBe(true);
    }
  });
});

import { bytesToUint64, bytesToUtf8, uint64ToBytes, utf8ToBytes } from "@knode/common";

/** Bytes ↔ value mapping for a repository's keys or values. */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

export const bytesCodec: Codec<Uint8Array> = {
  encode: (v) => v,
  decode: (b) => b,
};

/** Big-endian so that LevelDB's bytewise order is numeric order. */
export const uint64Codec: Codec<bigint> = {
  encode: (v) => uint64ToBytes(v),
  decode: (b) => bytesToUint64(b),
};

export const utf8Codec: Codec<string> = {
  encode: (v) => utf8ToBytes(v),
  decode: (b) => bytesToUtf8(b),
};

export const jsonCodec: Codec<unknown> = {
  encode: (v) => utf8ToBytes(JSON.stringify(v)),
  decode: (b) => JSON.parse(bytesToUtf8(b)) as unknown,
};

import { bytesToUint64, concatBytes, equalBytes, uint64ToBytes, utf8ToBytes } from "@knode/common";
import { type BatchOp, Bucket, bucketKey, type KvStore } from "@knode/db";
import {
  type Block,
  decodeBlockBody,
  decodeHeader,
  decodeStoredReceipts,
  encodeBlockBody,
  encodeHeader,
  encodeStoredReceipts,
  type Header,
  rlpDecode,
  rlpEncode,
  type StoredReceipt,
  type Transaction,
} from "@knode/types";
import { ChainError, ChainErrorCode } from "./errors.js";

export interface TxLocation {
  blockHash: Uint8Array;
  blockNumber: bigint;
  index: number;
}

const HEAD_KEY = bucketKey(Bucket.meta, utf8ToBytes("head"));
const GENESIS_KEY = bucketKey(Bucket.meta, utf8ToBytes("genesis"));

/**
 * The chain's records in the key-value store: headers, bodies and receipts by block hash, the canonical
 * number→hash index, tx lookups and the head pointer. Reads return decoded values; writes are returned as
 * batch operations so that a whole block lands in one atomic batch.
 */
export class ChainStore {
  constructor(readonly kv: KvStore) {}

  async getHeadHash(): Promise<Uint8Array | undefined> {
    return this.kv.get(HEAD_KEY);
  }

  async getGenesisHash(): Promise<Uint8Array | undefined> {
    return this.kv.get(GENESIS_KEY);
  }

  async getHeader(hash: Uint8Array): Promise<Header | undefined> {
    const raw = await this.kv.get(bucketKey(Bucket.header, hash));
    return raw ? decodeHeader(raw) : undefined;
  }

  /** The block's transactions with their senders filled in (stored beside the body, never re-recovered). */
  async getBody(hash: Uint8Array): Promise<Transaction[] | undefined> {
    const raw = await this.kv.get(bucketKey(Bucket.body, hash));
    if (!raw) return undefined;
    const [body, senders] = rlpDecode(raw) as [Uint8Array, Uint8Array];
    const txs = decodeBlockBody(body);
    if (senders.length !== txs.length * 20)
      throw new ChainError({ code: ChainErrorCode.CORRUPT, what: "body senders" });
    for (let i = 0; i < txs.length; i++) txs[i].sender = senders.slice(i * 20, i * 20 + 20);
    return txs;
  }

  async getReceipts(hash: Uint8Array): Promise<StoredReceipt[] | undefined> {
    const raw = await this.kv.get(bucketKey(Bucket.receipts, hash));
    return raw ? decodeStoredReceipts(raw) : undefined;
  }

  async getCanonicalHash(n: bigint): Promise<Uint8Array | undefined> {
    return this.kv.get(bucketKey(Bucket.canonical, uint64ToBytes(n)));
  }

  async getNumber(hash: Uint8Array): Promise<bigint | undefined> {
    const raw = await this.kv.get(bucketKey(Bucket.headerNumber, hash));
    return raw ? bytesToUint64(raw) : undefined;
  }

  /** A hash is canonical when the number index points back at it. */
  async isCanonical(hash: Uint8Array): Promise<boolean> {
    const n = await this.getNumber(hash);
    if (n === undefined) return false;
    const c = await this.getCanonicalHash(n);
    return c !== undefined && equalBytes(c, hash);
  }

  async getTxLocation(txHash: Uint8Array): Promise<TxLocation | undefined> {
    const raw = await this.kv.get(bucketKey(Bucket.txLookup, txHash));
    if (raw?.length !== 44) return undefined;
    return {
      blockHash: raw.subarray(0, 32),
      blockNumber: bytesToUint64(raw.subarray(32, 40)),
      index: new DataView(raw.buffer, raw.byteOffset + 40, 4).getUint32(0),
    };
  }

  /** Every write that makes `block` the canonical head, for one atomic batch. */
  blockOps(block: Block, hash: Uint8Array, receipts: StoredReceipt[], headerBytes?: Uint8Array): BatchOp[] {
    const n = uint64ToBytes(block.header.number);
    const ops: BatchOp[] = [
      { type: "put", key: bucketKey(Bucket.header, hash), value: headerBytes ?? encodeHeader(block.header) },
      { type: "put", key: bucketKey(Bucket.body, hash), value: encodeBodyWithSenders(block.transactions) },
      { type: "put", key: bucketKey(Bucket.receipts, hash), value: encodeStoredReceipts(receipts) },
      { type: "put", key: bucketKey(Bucket.headerNumber, hash), value: n },
      { type: "put", key: bucketKey(Bucket.canonical, n), value: hash },
    ];
    for (let i = 0; i < block.transactions.length; i++) {
      const loc = txLocationBytes(hash, block.header.number, i);
      ops.push({ type: "put", key: bucketKey(Bucket.txLookup, block.transactions[i].hash), value: loc });
    }
    ops.push({ type: "put", key: HEAD_KEY, value: hash });
    return ops;
  }

  genesisOps(hash: Uint8Array): BatchOp[] {
    return [{ type: "put", key: GENESIS_KEY, value: hash }];
  }
}

export function txLocationBytes(blockHash: Uint8Array, n: bigint, index: number): Uint8Array {
  const idx = new Uint8Array(4);
  new DataView(idx.buffer).setUint32(0, index);
  return concatBytes(blockHash, uint64ToBytes(n), idx);
}

/**
 * Body record: rlp([body, senders]) where senders is the 20-byte sender of each tx, concatenated. Every tx of
 * a written block has passed execution, so its sender is known; keeping it saves a recovery per read.
 */
function encodeBodyWithSenders(txs: Transaction[]): Uint8Array {
  const senders = new Uint8Array(txs.length * 20);
  for (let i = 0; i < txs.length; i++) {
    const s = txs[i].sender;
    if (!s) throw new ChainError({ code: ChainErrorCode.CORRUPT, what: `tx ${i} has no sender` });
    senders.set(s, i * 20);
  }
  return rlpEncode([encodeBlockBody(txs), senders]);
}

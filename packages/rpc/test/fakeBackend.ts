import { bytesToHex, concatBytes, KnodeError, uint64ToBytes } from "@knode/common";
import type { Block, Header, Log, StoredReceipt, Transaction } from "@knode/types";
import { TxType } from "@knode/types";
import type {
  AccountView,
  BlockRef,
  BlockWithHash,
  CallArgs,
  CallResult,
  NewBlockListener,
  RpcBackend,
  TxLocation,
} from "../src/interface.js";
import { keccak256 } from "../src/keccak.js";

export const BASE_FEE = 25_000_000_000n;
export const SENDER = new Uint8Array(20).fill(0xaa);
export const RECIPIENT = new Uint8Array(20).fill(0xbb);
export const CONTRACT = new Uint8Array(20).fill(0xcc);
export const REWARDBASE = new Uint8Array(20).fill(0x11);

export function word(n: number): Uint8Array {
  const w = new Uint8Array(32);
  w[31] = n;
  w[30] = n >> 8;
  return w;
}

/** Test-side bloom builder (independent of the filter code under test only in its structure). */
export function bloomOf(logs: Log[]): Uint8Array {
  const bloom = new Uint8Array(256);
  const add = (item: Uint8Array) => {
    const h = keccak256(item);
    for (let i = 0; i < 6; i += 2) {
      const bit = ((h[i] << 8) | h[i + 1]) & 2047;
      bloom[255 - (bit >> 3)] |= 1 << (bit & 7);
    }
  };
  for (const l of logs) {
    add(l.address);
    for (const t of l.topics) add(t);
  }
  return bloom;
}

let txSeq = 0;
export function makeTx(over: Partial<Transaction> = {}): Transaction {
  const raw = concatBytes(Uint8Array.of(0xf8, txSeq & 0xff, (txSeq >> 8) & 0xff), uint64ToBytes(++txSeq));
  const type = over.type ?? TxType.Legacy;
  return {
    type,
    chainId: 1000n,
    nonce: 0n,
    gasPrice: BASE_FEE,
    maxPriorityFeePerGas: type === TxType.DynamicFee ? 2n : BASE_FEE,
    maxFeePerGas: type === TxType.DynamicFee ? BASE_FEE * 2n : BASE_FEE,
    gasLimit: 21000n,
    to: RECIPIENT,
    value: 1000n,
    data: new Uint8Array(),
    accessList: [],
    v: type === TxType.Legacy ? 2035n : 1n,
    r: 0x1234n,
    s: 0x5678n,
    raw,
    hash: keccak256(raw),
    sender: SENDER,
    ...over,
  };
}

export function receiptFor(tx: Transaction, logs: Log[], cumulative: bigint, over: Partial<StoredReceipt> = {}) {
  return {
    txType: tx.type,
    status: 1,
    cumulativeGasUsed: cumulative,
    logsBloom: bloomOf(logs),
    logs,
    gasUsed: 21000n,
    effectiveGasPrice: BASE_FEE + (tx.type === TxType.DynamicFee ? tx.maxPriorityFeePerGas : 0n),
    contractAddress: null,
    ...over,
  } satisfies StoredReceipt;
}

export class FakePoolError extends KnodeError<{ code: "TXPOOL_NONCE_TOO_LOW" }> {}

/** An in-memory chain with just enough behaviour for the RPC layer; hashes are keccak(number). */
export class FakeBackend implements RpcBackend {
  readonly chainId = 1000n;
  readonly networkId = 1001n;
  readonly clientVersion = "knode/v0.1.0-test";
  readonly blocks: BlockWithHash[] = [];
  readonly receipts = new Map<string, StoredReceipt[]>();
  readonly txIndex = new Map<string, TxLocation>();
  readonly pool = new Map<string, Transaction>();
  readonly accounts = new Map<string, AccountView>();
  readonly code = new Map<string, Uint8Array>();
  readonly storage = new Map<string, Uint8Array>();
  readonly listeners = new Set<NewBlockListener>();
  readonly sent: Uint8Array[] = [];
  blockReads = 0;
  callImpl: (args: CallArgs, n: bigint) => CallResult = () => ({
    returnData: Uint8Array.of(1, 2),
    gasUsed: 100n,
    reverted: false,
  });
  estimateImpl: (args: CallArgs, n: bigint) => bigint = () => 21000n;
  sendImpl: (raw: Uint8Array) => Uint8Array = (raw) => keccak256(raw);

  constructor() {
    this.addBlock([], []);
  }

  addBlock(txs: Transaction[], receipts: StoredReceipt[], over: Partial<Header> = {}): BlockWithHash {
    const number = BigInt(this.blocks.length);
    const allLogs = receipts.flatMap((r) => r.logs);
    const header: Header = {
      parentHash: this.blocks.length ? this.blocks[this.blocks.length - 1].hash : new Uint8Array(32),
      rewardbase: REWARDBASE,
      stateRoot: new Uint8Array(32).fill(2),
      txRoot: new Uint8Array(32).fill(3),
      receiptsRoot: new Uint8Array(32).fill(4),
      logsBloom: bloomOf(allLogs),
      blockScore: 1n,
      number,
      gasUsed: receipts.reduce((a, r) => a + r.gasUsed, 0n),
      timestamp: 1_700_000_000n + number,
      timestampFoS: 0,
      extraData: new Uint8Array(32).fill(0xee),
      governanceData: new Uint8Array(),
      voteData: new Uint8Array(),
      baseFee: BASE_FEE,
      ...over,
    };
    const hash = keccak256(uint64ToBytes(number));
    const bw = { block: { header, transactions: txs } satisfies Block, hash, size: 500 + txs.length * 100 };
    this.blocks.push(bw);
    this.receipts.set(bytesToHex(hash), receipts);
    txs.forEach((tx, index) => {
      this.txIndex.set(bytesToHex(tx.hash), { blockHash: hash, blockNumber: number, index });
      this.pool.delete(bytesToHex(tx.hash));
    });
    for (const l of this.listeners) l(bw.block, hash, receipts);
    return bw;
  }

  headNumber(): bigint {
    return BigInt(this.blocks.length - 1);
  }

  async resolveBlockNumber(ref: BlockRef): Promise<bigint | undefined> {
    const head = this.headNumber();
    if (typeof ref === "bigint") return ref <= head ? ref : undefined;
    if (ref === "earliest") return 0n;
    if (typeof ref === "string") return head;
    return this.blocks.find((b) => bytesToHex(b.hash) === bytesToHex(ref.hash))?.block.header.number;
  }

  async getBlockByNumber(n: bigint) {
    this.blockReads++;
    return this.blocks[Number(n)];
  }

  async getBlockByHash(hash: Uint8Array) {
    this.blockReads++;
    return this.blocks.find((b) => bytesToHex(b.hash) === bytesToHex(hash));
  }

  async getReceipts(blockHash: Uint8Array) {
    return this.receipts.get(bytesToHex(blockHash));
  }

  async getTransactionLocation(txHash: Uint8Array) {
    return this.txIndex.get(bytesToHex(txHash));
  }

  getPoolTransaction(txHash: Uint8Array) {
    return this.pool.get(bytesToHex(txHash));
  }

  async getAccount(addr: Uint8Array, blockNumber: bigint): Promise<AccountView> {
    const a = this.accounts.get(`${bytesToHex(addr)}@${blockNumber}`) ?? this.accounts.get(bytesToHex(addr));
    return a ?? { nonce: 0n, balance: 0n, codeHash: new Uint8Array(32), storageRoot: new Uint8Array(32) };
  }

  async getCode(addr: Uint8Array) {
    return this.code.get(bytesToHex(addr)) ?? new Uint8Array();
  }

  async getStorageAt(addr: Uint8Array, slot: Uint8Array) {
    return this.storage.get(`${bytesToHex(addr)}/${bytesToHex(slot)}`) ?? new Uint8Array(32);
  }

  async getPendingNonce(addr: Uint8Array) {
    const a = await this.getAccount(addr, this.headNumber());
    let n = a.nonce;
    for (const tx of this.pool.values()) if (tx.sender && bytesToHex(tx.sender) === bytesToHex(addr)) n++;
    return n;
  }

  async call(args: CallArgs, blockNumber: bigint) {
    return this.callImpl(args, blockNumber);
  }

  async estimateGas(args: CallArgs, blockNumber: bigint) {
    return this.estimateImpl(args, blockNumber);
  }

  async sendRawTransaction(raw: Uint8Array) {
    const hash = this.sendImpl(raw);
    this.sent.push(raw);
    return hash;
  }

  gasPrice() {
    return BASE_FEE;
  }

  maxPriorityFeePerGas() {
    return 0n;
  }

  syncing() {
    return false as const;
  }

  peerCount() {
    return 3;
  }

  listening() {
    return true;
  }

  txpoolStatus() {
    return { pending: this.pool.size, queued: 0 };
  }

  txpoolContent() {
    const pending = new Map<string, Transaction[]>();
    for (const tx of this.pool.values()) {
      const key = bytesToHex(tx.sender ?? new Uint8Array(20));
      pending.set(key, [...(pending.get(key) ?? []), tx]);
    }
    return { pending, queued: new Map<string, Transaction[]>() };
  }

  onNewBlock(listener: NewBlockListener) {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

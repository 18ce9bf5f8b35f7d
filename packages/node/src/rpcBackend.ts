import type { Chain } from "@knode/chain";
import { type BlockExecutor, ExecutionRevertedError as EvmRevert } from "@knode/evm";
import {
  type AccountView,
  type BlockRef,
  type CallArgs,
  type CallResult,
  ExecutionRevertedError,
  type RpcBackend,
  type TxLocation,
} from "@knode/rpc";
import type { TxPool } from "@knode/txpool";
import {
  type Block,
  decodeTransaction,
  encodeBlock,
  type Header,
  type StoredReceipt,
  type Transaction,
} from "@knode/types";
import { AdmissionBatcher } from "./admissionBatcher.js";

export interface ChainRpcBackendModules {
  chain: Chain;
  pool: TxPool;
  executor: BlockExecutor;
  peerCount?: () => number;
  /** Called with each tx a local client submitted and the pool accepted (to gossip it). */
  onLocalTx?: (tx: Transaction) => void;
}

/** Answers the RPC layer from the chain, the pool and the executor; the only place those meet for RPC. */
export class ChainRpcBackend implements RpcBackend {
  readonly chainId: bigint;
  readonly networkId: bigint;
  readonly clientVersion: string;
  private readonly admission: AdmissionBatcher;

  constructor(
    opts: { chainId: bigint; networkId: bigint; clientVersion: string },
    private readonly m: ChainRpcBackendModules,
  ) {
    this.chainId = opts.chainId;
    this.networkId = opts.networkId;
    this.clientVersion = opts.clientVersion;
    this.admission = new AdmissionBatcher((txs) => m.pool.addBatch(txs));
  }

  headNumber(): bigint {
    return this.m.chain.headNumber;
  }

  async resolveBlockNumber(ref: BlockRef): Promise<bigint | undefined> {
    const head = this.m.chain.headNumber;
    if (typeof ref === "bigint") return ref <= head ? ref : undefined;
    if (ref === "earliest") return 0n;
    if (typeof ref === "string") return head; // latest, pending, safe, finalized: instant finality
    const n = await this.m.chain.store.getNumber(ref.hash);
    if (n === undefined || !(await this.m.chain.store.isCanonical(ref.hash))) return undefined;
    return n;
  }

  getHeaderByNumber(n: bigint): Promise<{ header: Header; hash: Uint8Array } | undefined> {
    return this.m.chain.getHeaderByNumber(n);
  }

  async getBlockByNumber(n: bigint): Promise<{ block: Block; hash: Uint8Array; size: number } | undefined> {
    const h = await this.m.chain.getHeaderByNumber(n);
    return h ? this.getBlockByHash(h.hash) : undefined;
  }

  async getBlockByHash(hash: Uint8Array): Promise<{ block: Block; hash: Uint8Array; size: number } | undefined> {
    const block = await this.m.chain.getBlock(hash);
    if (!block) return undefined;
    return { block, hash, size: encodeBlock(block).length };
  }

  getReceipts(blockHash: Uint8Array): Promise<StoredReceipt[] | undefined> {
    return this.m.chain.getReceipts(blockHash);
  }

  getTransactionLocation(txHash: Uint8Array): Promise<TxLocation | undefined> {
    return this.m.chain.getTxLocation(txHash);
  }

  getPoolTransaction(txHash: Uint8Array): Transaction | undefined {
    return this.m.pool.get(txHash);
  }

  private async headerAt(n: bigint) {
    const h = await this.m.chain.getHeaderByNumber(n);
    if (!h) throw new Error(`header not found for block ${n}`);
    return h.header;
  }

  async getAccount(addr: Uint8Array, blockNumber: bigint): Promise<AccountView> {
    const state = await this.m.chain.readStateAt((await this.headerAt(blockNumber)).stateRoot);
    return state.getAccount(addr);
  }

  async getCode(addr: Uint8Array, blockNumber: bigint): Promise<Uint8Array> {
    const state = await this.m.chain.readStateAt((await this.headerAt(blockNumber)).stateRoot);
    return state.getCode(addr);
  }

  async getStorageAt(addr: Uint8Array, slot: Uint8Array, blockNumber: bigint): Promise<Uint8Array> {
    const state = await this.m.chain.readStateAt((await this.headerAt(blockNumber)).stateRoot);
    return state.getStorage(addr, slot);
  }

  async getPendingNonce(addr: Uint8Array): Promise<bigint> {
    const fromPool = this.m.pool.pendingNonce(addr);
    if (fromPool !== undefined) return fromPool;
    return (await this.getAccount(addr, this.m.chain.headNumber)).nonce;
  }

  async call(args: CallArgs, blockNumber: bigint, opts: { timeoutMs: number; gasCap: bigint }): Promise<CallResult> {
    const header = await this.headerAt(blockNumber);
    const state = await this.m.chain.openState(header.stateRoot);
    const env = this.m.chain.envFor(header.number, header.timestamp, header.rewardbase, header.baseFee);
    return this.m.executor.call(state.stateManager, env, args, opts);
  }

  async estimateGas(args: CallArgs, blockNumber: bigint, opts: { gasCap: bigint }): Promise<bigint> {
    const header = await this.headerAt(blockNumber);
    const state = await this.m.chain.openState(header.stateRoot);
    const env = this.m.chain.envFor(header.number, header.timestamp, header.rewardbase, header.baseFee);
    try {
      return await this.m.executor.estimateGas(state.stateManager, env, args, opts);
    } catch (e) {
      if (e instanceof EvmRevert) throw new ExecutionRevertedError(e.data, e.reason);
      throw e;
    }
  }

  async sendRawTransaction(raw: Uint8Array): Promise<Uint8Array> {
    const tx = decodeTransaction(raw);
    const hash = await this.admission.add(tx);
    this.m.onLocalTx?.(tx);
    return hash;
  }

  gasPrice(): bigint {
    return this.m.chain.head().header.baseFee ?? 0n;
  }

  maxPriorityFeePerGas(): bigint {
    return 0n;
  }

  syncing(): false {
    return false;
  }

  peerCount(): number {
    return this.m.peerCount?.() ?? 0;
  }

  listening(): boolean {
    return true;
  }

  txpoolStatus(): { pending: number; queued: number } {
    return this.m.pool.status();
  }

  txpoolContent(): { pending: Map<string, Transaction[]>; queued: Map<string, Transaction[]> } {
    return this.m.pool.content();
  }

  onNewBlock(listener: (block: Block, hash: Uint8Array, receipts: StoredReceipt[]) => void): () => void {
    return this.m.chain.onNewBlock(listener);
  }
}

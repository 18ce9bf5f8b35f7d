import type { Block, CallArgs, Header, StoredReceipt, Transaction } from "@knode/types";

/** A block selector as JSON-RPC accepts it, after validation. */
export type BlockRef = bigint | "latest" | "earliest" | "pending" | "safe" | "finalized" | { hash: Uint8Array };

export interface AccountView {
  nonce: bigint;
  balance: bigint;
  codeHash: Uint8Array;
  storageRoot: Uint8Array;
}

export type { CallArgs };

export interface CallResult {
  returnData: Uint8Array;
  gasUsed: bigint;
  reverted: boolean;
  /** A non-revert failure (out of gas, invalid opcode, timeout...) in geth's wording. */
  error?: string;
}

export interface TxLocation {
  blockHash: Uint8Array;
  blockNumber: bigint;
  index: number;
}

export interface BlockWithHash {
  block: Block;
  hash: Uint8Array;
  size: number;
}

export type NewBlockListener = (block: Block, hash: Uint8Array, receipts: StoredReceipt[]) => void;

/**
 * Everything the RPC layer needs from the node. The node implements it over its chain, pool and
 * executor, so this package never imports those classes.
 */
export interface RpcBackend {
  readonly chainId: bigint;
  readonly networkId: bigint;
  readonly clientVersion: string;
  headNumber(): bigint;
  /** Resolves a block ref to a canonical block (number) or undefined; "pending"/"safe"/"finalized" = latest (instant finality). */
  resolveBlockNumber(ref: BlockRef): Promise<bigint | undefined>;
  getBlockByNumber(n: bigint): Promise<BlockWithHash | undefined>;
  getBlockByHash(hash: Uint8Array): Promise<BlockWithHash | undefined>;
  /**
   * Optional fast path for eth_getLogs / eth_feeHistory, which scan many headers: without it they load
   * whole blocks through getBlockByNumber.
   */
  getHeaderByNumber?(n: bigint): Promise<{ header: Header; hash: Uint8Array } | undefined>;
  getReceipts(blockHash: Uint8Array): Promise<StoredReceipt[] | undefined>;
  getTransactionLocation(txHash: Uint8Array): Promise<TxLocation | undefined>;
  getPoolTransaction(txHash: Uint8Array): Transaction | undefined;
  getAccount(addr: Uint8Array, blockNumber: bigint): Promise<AccountView>;
  getCode(addr: Uint8Array, blockNumber: bigint): Promise<Uint8Array>;
  getStorageAt(addr: Uint8Array, slot: Uint8Array, blockNumber: bigint): Promise<Uint8Array>;
  /** Next nonce counting pool transactions (for the "pending" tag). */
  getPendingNonce(addr: Uint8Array): Promise<bigint>;
  call(args: CallArgs, blockNumber: bigint, opts: { timeoutMs: number; gasCap: bigint }): Promise<CallResult>;
  /** Throws a revert error carrying data when the call reverts at the highest gas. */
  estimateGas(args: CallArgs, blockNumber: bigint, opts: { gasCap: bigint }): Promise<bigint>;
  sendRawTransaction(raw: Uint8Array): Promise<Uint8Array>;
  gasPrice(): bigint;
  maxPriorityFeePerGas(): bigint;
  syncing(): false | { startingBlock: bigint; currentBlock: bigint; highestBlock: bigint };
  peerCount(): number;
  listening(): boolean;
  txpoolStatus(): { pending: number; queued: number };
  /** Keys are sender addresses (0x hex, any case); each list is ordered by nonce. */
  txpoolContent(): { pending: Map<string, Transaction[]>; queued: Map<string, Transaction[]> };
  /** Returns the unsubscribe function. */
  onNewBlock(listener: NewBlockListener): () => void;
  /** Extra namespaces the node adds later (admin, istanbul, governance) plug in as MethodTable fragments. */
}

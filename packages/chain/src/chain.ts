import { bytesToHex, equalBytes, type Logger, Mutex } from "@knode/common";
import type { BatchOp, KvStore } from "@knode/db";
import { type BlockEnv, type BlockExecutor, KNODE_BLOCK_GAS_LIMIT } from "@knode/evm";
import { type FinalizedState, FlatStateStore, orderedTrieRoot, WorldState } from "@knode/state";
import {
  type Block,
  encodeHeader,
  encodeReceipt,
  type GenesisSpec,
  type Header,
  headerHash,
  type ProposalRequest,
  type StoredReceipt,
  type Transaction,
} from "@knode/types";
import { ChainStore, type TxLocation } from "./chainStore.js";
import { ChainError, ChainErrorCode } from "./errors.js";
import { buildGenesis } from "./genesis.js";

export interface ChainModules {
  kv: KvStore;
  logger: Logger;
  executor: BlockExecutor;
}

/** What a proposer asks the chain to build on its head. */
export type BuildRequest = ProposalRequest;

/** A block executed on the head, waiting for its seals; its state writes ride along to the commit. */
export interface BuiltBlock {
  readonly header: Header;
  readonly transactions: Transaction[];
  readonly receipts: StoredReceipt[];
  readonly stateOps: BatchOp[];
  /** The execution state after this block, folded into the warm head once the block is written. */
  readonly finalState: FinalizedState;
  readonly skipped: { tx: Transaction; reason: string }[];
  readonly execMs: number;
}

export interface ImportOptions {
  /**
   * The caller has already compared this very block object's body with its header's tx root (a gossip
   * relay check), so import need not hash the body again.
   */
  txRootChecked?: boolean;
}

export type NewBlockListener = (block: Block, hash: Uint8Array, receipts: StoredReceipt[]) => void;

/**
 * The canonical chain: genesis, head, block building on the head, import of sealed blocks (re-executed and
 * checked root by root) and the atomic write of each block. Writers are serialised by one mutex, so a
 * build never races an import or commit.
 */
export class Chain {
  readonly store: ChainStore;
  private headHeader: Header;
  private headHashValue: Uint8Array;
  private readonly writeLock = new Mutex();
  private readonly listeners = new Set<NewBlockListener>();
  private readState: { root: Uint8Array; state: Promise<WorldState> } | undefined;
  /** The newest written blocks and receipts, decoded, by hex hash (getTransactionReceipt decodes whole blocks). */
  private readonly recent = new Map<string, { block: Block; receipts: StoredReceipt[] }>();
  /** Execution state of the head, warm across blocks; only touched under the write lock. */
  private readonly execState: FlatStateStore;

  private constructor(
    private readonly modules: ChainModules,
    readonly genesisHash: Uint8Array,
    head: Header,
    headHash: Uint8Array,
  ) {
    this.store = new ChainStore(modules.kv);
    this.execState = new FlatStateStore({}, { kv: modules.kv });
    this.headHeader = head;
    this.headHashValue = headHash;
  }

  /**
   * Writes the genesis block and its state if the store is empty. Refuses a store that holds a different
   * genesis (SPEC: `knode init` must not overwrite another network's datadir).
   */
  static async initGenesis(kv: KvStore, spec: GenesisSpec): Promise<{ hash: Uint8Array; created: boolean }> {
    const store = new ChainStore(kv);
    const { header, stateOps } = await buildGenesis(kv, spec);
    const hash = headerHash(header);
    const existing = await store.getGenesisHash();
    if (existing) {
      if (!equalBytes(existing, hash)) {
        throw new ChainError(
          { code: ChainErrorCode.GENESIS_MISMATCH, stored: bytesToHex(existing), given: bytesToHex(hash) },
          `datadir already holds genesis ${bytesToHex(existing)}, not ${bytesToHex(hash)}`,
        );
      }
      return { hash, created: false };
    }
    const block: Block = { header, transactions: [] };
    await kv.batch([...stateOps, ...store.blockOps(block, hash, []), ...store.genesisOps(hash)]);
    return { hash, created: true };
  }

  static async open(modules: ChainModules): Promise<Chain> {
    const store = new ChainStore(modules.kv);
    const genesisHash = await store.getGenesisHash();
    const headHash = await store.getHeadHash();
    if (!genesisHash || !headHash) {
      throw new ChainError({ code: ChainErrorCode.NOT_INITIALIZED }, "datadir has no genesis: run `knode init` first");
    }
    const head = await store.getHeader(headHash);
    if (!head) throw new ChainError({ code: ChainErrorCode.CORRUPT, what: "head header missing" });
    return new Chain(modules, genesisHash, head, headHash);
  }

  head(): { header: Header; hash: Uint8Array } {
    return { header: this.headHeader, hash: this.headHashValue };
  }

  get headNumber(): bigint {
    return this.headHeader.number;
  }

  onNewBlock(listener: NewBlockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onNewHead(listener: (header: Header, hash: Uint8Array) => void): () => void {
    return this.onNewBlock((block, hash) => listener(block.header, hash));
  }

  /** Executes `req.txs` on the head (build mode: unusable txs are skipped) and assembles the unsealed header. */
  async buildProposal(req: BuildRequest): Promise<BuiltBlock> {
    return this.writeLock.run(async () => {
      const parent = this.headHeader;
      if (!equalBytes(req.parentHash, this.headHashValue)) {
        throw new ChainError({ code: ChainErrorCode.UNKNOWN_PARENT, parent: bytesToHex(req.parentHash) });
      }
      const number = parent.number + 1n;
      const started = performance.now();
      const env = this.envFor(number, req.timestamp, req.rewardbase, parent.baseFee);
      const state = this.execState.open(parent.stateRoot);
      const result = await this.modules.executor.executeTransactions({
        state,
        env,
        txs: req.txs,
        mode: "build",
        deadlineMs: req.deadlineMs,
      });
      await this.modules.executor.applyBlockReward(state, req.rewardbase);
      const finalState = await state.finalize();
      const stateRoot = finalState.root;
      const header: Header = {
        parentHash: req.parentHash,
        rewardbase: req.rewardbase,
        stateRoot,
        txRoot: await orderedTrieRoot(result.included.map((t) => t.raw)),
        receiptsRoot: await orderedTrieRoot(result.receipts.map(encodeReceipt)),
        logsBloom: combineBlooms(result.receipts),
        blockScore: 1n,
        number,
        gasUsed: result.gasUsed,
        timestamp: req.timestamp,
        timestampFoS: req.timestampFoS,
        extraData: req.extraData,
        governanceData: req.governanceData,
        voteData: req.voteData,
        baseFee: parent.baseFee,
      };
      return {
        header,
        transactions: result.included,
        receipts: result.receipts,
        stateOps: finalState.ops,
        finalState,
        skipped: result.skipped,
        execMs: Math.round(performance.now() - started),
      };
    });
  }

  /** Writes a block we built (now sealed) as the new head in one batch. */
  async commitProposal(built: BuiltBlock, sealedHeader: Header): Promise<void> {
    await this.writeLock.run(async () => {
      if (!equalBytes(sealedHeader.parentHash, this.headHashValue)) {
        throw new ChainError({ code: ChainErrorCode.NOT_HEAD_CHILD, number: sealedHeader.number.toString() });
      }
      await this.writeBlock({ header: sealedHeader, transactions: built.transactions }, built.receipts, built);
    });
  }

  /**
   * Imports a sealed block from elsewhere: `verify` checks the consensus seals against the parent, then the
   * block is re-executed and every root compared before the atomic write.
   */
  async importBlock(
    block: Block,
    verify: (header: Header, parent: Header, parentHash: Uint8Array) => void,
    opts: ImportOptions = {},
  ): Promise<void> {
    await this.writeLock.run(async () => {
      // Checked under the lock: the head may have moved (our own commit, another import) since the caller
      // looked, and a block that no longer extends the head is no fault of whoever sent it.
      if (!equalBytes(block.header.parentHash, this.headHashValue)) {
        throw new ChainError({ code: ChainErrorCode.NOT_HEAD_CHILD, number: block.header.number.toString() });
      }
      verify(block.header, this.headHeader, this.headHashValue);
      const checked = await this.execute(block, opts.txRootChecked === true);
      await this.writeBlock(block, checked.receipts, checked);
    });
  }

  /**
   * Re-executes a block proposed on the head (not yet committed-sealed) and checks every root; the result
   * is what commitProposal writes once the block gathers its committed seals.
   */
  async verifyProposal(block: Block): Promise<BuiltBlock> {
    return this.writeLock.run(() => this.execute(block));
  }

  private async execute(block: Block, txRootChecked = false): Promise<BuiltBlock> {
    const parent = this.headHeader;
    const h = block.header;
    if (!equalBytes(h.parentHash, this.headHashValue) || h.number !== parent.number + 1n) {
      throw new ChainError({ code: ChainErrorCode.NOT_HEAD_CHILD, number: h.number.toString() });
    }
    const started = performance.now();
    if (!txRootChecked) {
      const txRoot = await orderedTrieRoot(block.transactions.map((t) => t.raw));
      mustEqual(txRoot, h.txRoot, ChainErrorCode.TX_ROOT_MISMATCH);
    }
    const state = this.execState.open(parent.stateRoot);
    const result = await this.modules.executor.executeTransactions({
      state,
      env: this.envFor(h.number, h.timestamp, h.rewardbase, parent.baseFee),
      txs: block.transactions,
      mode: "import",
    });
    await this.modules.executor.applyBlockReward(state, h.rewardbase);
    const finalState = await state.finalize();
    const stateRoot = finalState.root;
    if (result.gasUsed !== h.gasUsed) {
      throw new ChainError({
        code: ChainErrorCode.GAS_USED_MISMATCH,
        expected: h.gasUsed.toString(),
        actual: result.gasUsed.toString(),
      });
    }
    mustEqual(
      await orderedTrieRoot(result.receipts.map(encodeReceipt)),
      h.receiptsRoot,
      ChainErrorCode.RECEIPTS_ROOT_MISMATCH,
    );
    mustEqual(stateRoot, h.stateRoot, ChainErrorCode.STATE_ROOT_MISMATCH);
    if (!equalBytes(combineBlooms(result.receipts), h.logsBloom)) {
      throw new ChainError({ code: ChainErrorCode.BLOOM_MISMATCH });
    }
    if (h.baseFee !== parent.baseFee) {
      throw new ChainError({ code: ChainErrorCode.BASE_FEE_MISMATCH }, "block base fee differs from its parent's");
    }
    return {
      header: h,
      transactions: block.transactions,
      receipts: result.receipts,
      stateOps: finalState.ops,
      finalState,
      skipped: [],
      execMs: Math.round(performance.now() - started),
    };
  }

  // ---- reads ----

  async getHeaderByNumber(n: bigint): Promise<{ header: Header; hash: Uint8Array } | undefined> {
    if (n === this.headHeader.number) return { header: this.headHeader, hash: this.headHashValue };
    if (n > this.headHeader.number) return undefined;
    const hash = await this.store.getCanonicalHash(n);
    if (!hash) return undefined;
    const header = await this.store.getHeader(hash);
    return header ? { header, hash } : undefined;
  }

  async getBlock(hash: Uint8Array): Promise<Block | undefined> {
    const recent = this.recent.get(bytesToHex(hash));
    if (recent) return recent.block;
    const header = await this.store.getHeader(hash);
    if (!header) return undefined;
    const transactions = await this.store.getBody(hash);
    if (!transactions) return undefined;
    return { header, transactions };
  }

  async getReceipts(hash: Uint8Array): Promise<StoredReceipt[] | undefined> {
    return this.recent.get(bytesToHex(hash))?.receipts ?? this.store.getReceipts(hash);
  }

  getTxLocation(txHash: Uint8Array): Promise<TxLocation | undefined> {
    return this.store.getTxLocation(txHash);
  }

  /**
   * Nonce and balance at the head, from the warm execution state when it is there (the pool asks this for
   * every sender it admits), else from the trie.
   */
  async headAccount(addr: Uint8Array): Promise<{ nonce: bigint; balance: bigint }> {
    const root = this.headHeader.stateRoot;
    const warm = await this.execState.headAccount(root, addr);
    const acc = warm !== undefined ? warm : await (await this.readStateAt(root)).getAccount(addr);
    return acc === null ? { nonce: 0n, balance: 0n } : { nonce: acc.nonce, balance: acc.balance };
  }

  /**
   * A state view at `root` for reads. The head's view is shared (it is immutable); anything that
   * executes (eth_call) must use `openState` for a private copy.
   */
  readStateAt(root: Uint8Array): Promise<WorldState> {
    if (this.readState && equalBytes(this.readState.root, root)) return this.readState.state;
    const state = this.openState(root);
    if (equalBytes(root, this.headHeader.stateRoot)) this.readState = { root, state };
    return state;
  }

  openState(root: Uint8Array): Promise<WorldState> {
    // The executor's Common carries the native keccak; without it the trie hashes in pure JS.
    return WorldState.open(this.modules.kv, root, { common: this.modules.executor.common });
  }

  envFor(number: bigint, timestamp: bigint, coinbase: Uint8Array, baseFee: bigint | undefined): BlockEnv {
    return { number, timestamp, coinbase, baseFee: baseFee ?? 0n, gasLimit: KNODE_BLOCK_GAS_LIMIT };
  }

  private rememberRecent(hash: Uint8Array, block: Block, receipts: StoredReceipt[]): void {
    this.recent.set(bytesToHex(hash), { block, receipts });
    // A Map iterates in insertion order: the first key is the oldest block.
    if (this.recent.size > RECENT_BLOCKS) this.recent.delete(this.recent.keys().next().value as string);
  }

  /**
   * The block, its receipts and its state in one batch; then the head moves — header and warm execution
   * state together, before any listener runs, so that what listeners read at the new head (the pool
   * re-checking every pending sender) comes from memory rather than a cold trie.
   */
  private async writeBlock(
    block: Block,
    receipts: StoredReceipt[],
    state: Pick<BuiltBlock, "stateOps" | "finalState">,
  ): Promise<void> {
    const headerBytes = encodeHeader(block.header);
    const hash = headerHash(block.header);
    await this.modules.kv.batch([...state.stateOps, ...this.store.blockOps(block, hash, receipts, headerBytes)]);
    this.headHeader = block.header;
    this.headHashValue = hash;
    this.execState.advance(state.finalState);
    this.rememberRecent(hash, block, receipts);
    for (const l of this.listeners) {
      try {
        l(block, hash, receipts);
      } catch (e) {
        this.modules.logger.warn({ err: (e as Error).message }, "new block listener failed");
      }
    }
  }
}

/** Recent blocks kept decoded: receipt and block lookups cluster on the newest blocks (wallets polling). */
const RECENT_BLOCKS = 16;

function combineBlooms(receipts: StoredReceipt[]): Uint8Array {
  const out = new Uint8Array(256);
  for (const r of receipts) {
    const b = r.logsBloom;
    for (let i = 0; i < 256; i++) out[i] |= b[i];
  }
  return out;
}

function mustEqual(
  actual: Uint8Array,
  expected: Uint8Array,
  code: ChainErrorCode.TX_ROOT_MISMATCH | ChainErrorCode.RECEIPTS_ROOT_MISMATCH | ChainErrorCode.STATE_ROOT_MISMATCH,
): void {
  if (!equalBytes(actual, expected)) {
    throw new ChainError(
      { code, expected: bytesToHex(expected), actual: bytesToHex(actual) },
      `${code}: block says ${bytesToHex(expected)}, execution gives ${bytesToHex(actual)}`,
    );
  }
}

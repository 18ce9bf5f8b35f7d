import type { StateManagerInterface } from "@ethereumjs/common";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { Caches, MerkleStateManager, type MerkleStateManagerOpts } from "@ethereumjs/statemanager";
import { Account, Address } from "@ethereumjs/util";
import { bytesToHex, equalBytes, padBytes } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import type { BatchOp, KvStore } from "@knode/db";
import { StateError, StateErrorCode } from "./errors.js";
import { collectReachableKeys } from "./reachableNodes.js";
import { TrieNodeStore } from "./trieNodeStore.js";
import { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT } from "./trieRoot.js";

export interface WorldStateOptions {
  /** Entries of the state manager's account cache; 0 disables it. A block touches a few thousand at most. */
  accountCacheSize: number;
  storageCacheSize: number;
  codeCacheSize: number;
  /** Passed to the state manager (its customCrypto.keccak256 is used for code and storage keys). */
  common?: MerkleStateManagerOpts["common"];
}

export const defaultWorldStateOptions: WorldStateOptions = {
  accountCacheSize: 100_000,
  storageCacheSize: 100_000,
  codeCacheSize: 1_000,
};

export interface AccountState {
  nonce: bigint;
  balance: bigint;
  codeHash: Uint8Array;
  storageRoot: Uint8Array;
}

export interface StateCommit {
  stateRoot: Uint8Array;
  /** Trie nodes and code to write in the block's atomic batch. */
  ops: BatchOp[];
}

function toAddress(addr: Uint8Array): Address {
  if (addr.length !== 20) {
    throw new StateError(
      { code: StateErrorCode.INVALID_ADDRESS, address: bytesToHex(addr) },
      `invalid address length ${addr.length}`,
    );
  }
  return new Address(addr);
}

function checkSlot(slot: Uint8Array): void {
  if (slot.length !== 32) {
    throw new StateError({ code: StateErrorCode.INVALID_SLOT, length: slot.length }, "storage slot must be 32 bytes");
  }
}

/**
 * The account state at one root, backed by an in-memory overlay over the db. Open one per block (or per
 * read-only query); reads of any root ever committed work, since nodes are never deleted.
 */
export class WorldState {
  private constructor(
    private readonly sm: MerkleStateManager,
    readonly nodes: TrieNodeStore,
  ) {}

  static async open(kv: KvStore, stateRoot: Uint8Array, opts: Partial<WorldStateOptions> = {}): Promise<WorldState> {
    const o = { ...defaultWorldStateOptions, ...opts };
    const nodes = new TrieNodeStore(kv);
    if (!equalBytes(stateRoot, EMPTY_TRIE_ROOT) && (await nodes.get(bytesToHex(stateRoot).slice(2))) === undefined) {
      const root = bytesToHex(stateRoot);
      throw new StateError({ code: StateErrorCode.MISSING_ROOT, root }, `state root ${root} is not in the database`);
    }
    const trie = new MerklePatriciaTrie({
      db: nodes,
      valueEncoding: "view",
      useKeyHashing: true,
      useKeyHashingFunction: keccak256,
      root: stateRoot,
    });
    const sm = new MerkleStateManager({
      trie,
      common: o.common,
      caches: new Caches({
        account: { size: o.accountCacheSize },
        storage: { size: o.storageCacheSize },
        code: { size: o.codeCacheSize },
      }),
    });
    return new WorldState(sm, nodes);
  }

  /** The state manager to hand to the EVM. */
  get stateManager(): StateManagerInterface {
    return this.sm;
  }

  async getAccount(addr: Uint8Array): Promise<AccountState> {
    const acc = await this.sm.getAccount(toAddress(addr));
    if (acc === undefined) return { nonce: 0n, balance: 0n, codeHash: EMPTY_CODE_HASH, storageRoot: EMPTY_TRIE_ROOT };
    return { nonce: acc.nonce, balance: acc.balance, codeHash: acc.codeHash, storageRoot: acc.storageRoot };
  }

  async getCode(addr: Uint8Array): Promise<Uint8Array> {
    return this.sm.getCode(toAddress(addr));
  }

  /** The 32-byte word at `slot`, zero when unset. */
  async getStorage(addr: Uint8Array, slot: Uint8Array): Promise<Uint8Array> {
    checkSlot(slot);
    return padBytes(await this.sm.getStorage(toAddress(addr), slot), 32);
  }

  async setBalance(addr: Uint8Array, balance: bigint): Promise<void> {
    if (balance < 0n) {
      throw new StateError({ code: StateErrorCode.NEGATIVE_BALANCE, address: bytesToHex(addr) }, "negative balance");
    }
    await this.sm.modifyAccountFields(toAddress(addr), { balance });
  }

  /** Adds `amount` (negative to subtract); refuses to take a balance below zero. */
  async addBalance(addr: Uint8Array, amount: bigint): Promise<bigint> {
    const address = toAddress(addr);
    const acc = (await this.sm.getAccount(address)) ?? new Account();
    const balance = acc.balance + amount;
    if (balance < 0n) {
      throw new StateError(
        { code: StateErrorCode.NEGATIVE_BALANCE, address: bytesToHex(addr) },
        `balance of ${bytesToHex(addr)} would go negative`,
      );
    }
    acc.balance = balance;
    await this.sm.putAccount(address, acc);
    return balance;
  }

  async setNonce(addr: Uint8Array, nonce: bigint): Promise<void> {
    await this.sm.modifyAccountFields(toAddress(addr), { nonce });
  }

  async setCode(addr: Uint8Array, code: Uint8Array): Promise<void> {
    await this.sm.putCode(toAddress(addr), code);
  }

  /** Writes a storage word; an all-zero value clears the slot. */
  async setStorage(addr: Uint8Array, slot: Uint8Array, value: Uint8Array): Promise<void> {
    checkSlot(slot);
    const address = toAddress(addr);
    if ((await this.sm.getAccount(address)) === undefined) await this.sm.putAccount(address, new Account());
    await this.sm.putStorage(address, slot, value);
  }

  /** Root of the current state, caches flushed into the trie. */
  async stateRoot(): Promise<Uint8Array> {
    return this.sm.getStateRoot();
  }

  /**
   * Flushes caches, computes the root and takes the trie and code writes needed to reopen it, leaving out
   * the nodes of intermediate roots. The returned ops must be written (with the block) before the db is
   * reopened elsewhere; this instance keeps serving them from memory meanwhile.
   */
  async commit(): Promise<StateCommit> {
    const internal = this.sm as unknown as { _checkpointCount?: number };
    if ((internal._checkpointCount ?? 0) > 0) {
      throw new StateError({ code: StateErrorCode.OPEN_CHECKPOINT }, "cannot commit state with an open checkpoint");
    }
    const stateRoot = await this.sm.getStateRoot();
    const reachable = collectReachableKeys(stateRoot, (k) => this.nodes.pendingValue(k));
    const ops = this.nodes.takePendingOps((k) => reachable.has(k));
    // Storage tries cached in the state manager may point at roots just left out; re-rooting drops them
    // while keeping the account/storage/code caches.
    await this.sm.setStateRoot(stateRoot, false);
    return { stateRoot, ops };
  }
}

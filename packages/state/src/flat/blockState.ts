import type { AccountFields, StateManagerInterface } from "@ethereumjs/common";
import { Account, type Address } from "@ethereumjs/util";
import { bytesKey, equalBytes, keyBytes } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import { type BatchOp, Bucket, bucketKey } from "@knode/db";
import { StateError, StateErrorCode } from "../errors.js";
import { MerkleTrie } from "../trie/merkleTrie.js";
import { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT } from "../trieRoot.js";
import { EMPTY_ACCOUNT, encodeAccount, encodeStorageValue, type FlatAccount, unpad } from "./accountRlp.js";
import type { HeadState } from "./headState.js";

const EMPTY = new Uint8Array(0);

/** Storage written during the block: `cleared` hides every word of the base (account deleted/recreated). */
export interface StorageOverlay {
  cleared: boolean;
  slots: Map<string, Uint8Array>;
}

type JournalEntry =
  | { kind: "account"; key: string; prev: FlatAccount | null | undefined }
  | { kind: "slot"; key: string; slot: string; prev: Uint8Array | undefined }
  | { kind: "storage"; key: string; prev: StorageOverlay | undefined };

/** One account's storage after the block, and the base trie it was derived from. */
export interface StorageChange {
  readonly overlay: StorageOverlay;
  /** Root of the storage the block started from (empty when the account was new or cleared). */
  readonly baseRoot: Uint8Array;
  readonly root: Uint8Array;
  readonly trie: MerkleTrie;
}

/** What a finished block did to the state: the new root, the writes for its batch, and the head update. */
export interface FinalizedState {
  readonly parentRoot: Uint8Array;
  readonly root: Uint8Array;
  readonly ops: BatchOp[];
  /** @internal consumed by FlatStateStore.advance */
  readonly baseGeneration: number;
  /** @internal */
  readonly accountTrie: MerkleTrie;
  /** @internal final records, storage roots filled in */
  readonly accounts: Map<string, FlatAccount | null>;
  /** @internal the committed storage trie of each account whose storage the block wrote */
  readonly storage: Map<string, StorageChange>;
  /** @internal */
  readonly code: Map<string, Uint8Array>;
}

/**
 * The state one block executes on: a journaled overlay over the cached head. It is the EVM's state
 * manager (StateManagerInterface) and offers byte-keyed shortcuts for the value-transfer path. Nothing is
 * hashed until `finalize`, which updates each touched storage trie and the account trie once.
 */
export class BlockState implements StateManagerInterface {
  private readonly accounts = new Map<string, FlatAccount | null>();
  private readonly storage = new Map<string, StorageOverlay>();
  private readonly code = new Map<string, Uint8Array>();
  private readonly journal: JournalEntry[] = [];
  private readonly checkpoints: number[] = [];
  private readonly original = new Map<string, Uint8Array>();
  private readonly baseGeneration: number;

  readonly originalStorageCache = {
    get: (address: Address, key: Uint8Array): Promise<Uint8Array> => this.originalWord(address.bytes, key),
    clear: (): void => this.original.clear(),
  };

  constructor(private readonly base: HeadState) {
    this.baseGeneration = base.generation;
  }

  get parentRoot(): Uint8Array {
    return this.base.root;
  }

  // ---- byte-keyed access (value-transfer path, executor checks) ----

  /** The account at `addr`, or null when it does not exist. */
  async account(addr: Uint8Array): Promise<FlatAccount | null> {
    const key = bytesKey(addr);
    const own = this.accounts.get(key);
    if (own !== undefined) return own;
    return this.base.account(key, addr);
  }

  /**
   * Reads the given accounts into the head cache concurrently, so a block's cold reads overlap in the
   * database instead of running one after another as the txs execute.
   */
  async prefetch(addrs: Uint8Array[]): Promise<void> {
    const seen = new Set<string>();
    const reads: Promise<unknown>[] = [];
    for (const addr of addrs) {
      const key = bytesKey(addr);
      if (seen.has(key) || this.accounts.has(key)) continue;
      seen.add(key);
      reads.push(this.base.account(key, addr));
    }
    await Promise.all(reads);
  }

  /** Replaces (or with null deletes) the account; journaled. */
  setAccount(addr: Uint8Array, acc: FlatAccount | null): void {
    const key = bytesKey(addr);
    if (this.checkpoints.length > 0) this.journal.push({ kind: "account", key, prev: this.accounts.get(key) });
    this.accounts.set(key, acc);
    if (acc === null) this.clearStorageOf(key);
  }

  async storageWord(addr: Uint8Array, slot: Uint8Array): Promise<Uint8Array> {
    const key = bytesKey(addr);
    const slotKey = bytesKey(slot);
    const own = this.storage.get(key);
    if (own !== undefined) {
      const v = own.slots.get(slotKey);
      if (v !== undefined) return v;
      if (own.cleared) return EMPTY;
    }
    if (this.accounts.get(key) === null) return EMPTY;
    return this.base.storageWord(key, addr, slotKey, slot);
  }

  setStorageWord(addr: Uint8Array, slot: Uint8Array, value: Uint8Array): void {
    const key = bytesKey(addr);
    const slotKey = bytesKey(slot);
    let own = this.storage.get(key);
    if (own === undefined) {
      own = { cleared: false, slots: new Map() };
      this.storage.set(key, own);
    }
    if (this.checkpoints.length > 0)
      this.journal.push({ kind: "slot", key, slot: slotKey, prev: own.slots.get(slotKey) });
    own.slots.set(slotKey, unpad(value));
  }

  private clearStorageOf(key: string): void {
    if (this.checkpoints.length > 0) this.journal.push({ kind: "storage", key, prev: this.storage.get(key) });
    this.storage.set(key, { cleared: true, slots: new Map() });
  }

  private async originalWord(addr: Uint8Array, slot: Uint8Array): Promise<Uint8Array> {
    const k = bytesKey(addr) + bytesKey(slot);
    const cached = this.original.get(k);
    if (cached !== undefined) return cached;
    const v = await this.storageWord(addr, slot);
    this.original.set(k, v);
    return v;
  }

  // ---- StateManagerInterface ----

  async getAccount(address: Address): Promise<Account | undefined> {
    const a = await this.account(address.bytes);
    return a === null ? undefined : new Account(a.nonce, a.balance, a.storageRoot, a.codeHash);
  }

  async putAccount(address: Address, account?: Account): Promise<void> {
    if (account === undefined) {
      this.setAccount(address.bytes, null);
      return;
    }
    this.setAccount(address.bytes, {
      nonce: account.nonce,
      balance: account.balance,
      storageRoot: account.storageRoot,
      codeHash: account.codeHash,
    });
  }

  async deleteAccount(address: Address): Promise<void> {
    this.setAccount(address.bytes, null);
  }

  async modifyAccountFields(address: Address, fields: AccountFields): Promise<void> {
    const a = (await this.account(address.bytes)) ?? EMPTY_ACCOUNT;
    this.setAccount(address.bytes, {
      nonce: fields.nonce ?? a.nonce,
      balance: fields.balance ?? a.balance,
      storageRoot: fields.storageRoot ?? a.storageRoot,
      codeHash: fields.codeHash ?? a.codeHash,
    });
  }

  async putCode(address: Address, value: Uint8Array): Promise<void> {
    const codeHash = value.length === 0 ? EMPTY_CODE_HASH : keccak256(value);
    if (value.length > 0) this.code.set(bytesKey(codeHash), value);
    await this.modifyAccountFields(address, { codeHash });
  }

  async getCode(address: Address): Promise<Uint8Array> {
    const a = await this.account(address.bytes);
    if (a === null || equalBytes(a.codeHash, EMPTY_CODE_HASH)) return EMPTY;
    const own = this.code.get(bytesKey(a.codeHash));
    if (own !== undefined) return own;
    const code = await this.base.codeByHash(a.codeHash);
    if (code === undefined) {
      throw new StateError({ code: StateErrorCode.MISSING_CODE, codeHash: Buffer.from(a.codeHash).toString("hex") });
    }
    return code;
  }

  async getCodeSize(address: Address): Promise<number> {
    return (await this.getCode(address)).length;
  }

  async getStorage(address: Address, key: Uint8Array): Promise<Uint8Array> {
    checkSlot(key);
    return this.storageWord(address.bytes, key);
  }

  async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    checkSlot(key);
    this.setStorageWord(address.bytes, key, value);
  }

  async clearStorage(address: Address): Promise<void> {
    this.clearStorageOf(bytesKey(address.bytes));
  }

  async checkpoint(): Promise<void> {
    this.checkpoints.push(this.journal.length);
  }

  async commit(): Promise<void> {
    this.checkpoints.pop();
    if (this.checkpoints.length === 0) this.journal.length = 0;
  }

  async revert(): Promise<void> {
    const to = this.checkpoints.pop() ?? 0;
    for (let i = this.journal.length - 1; i >= to; i--) this.undo(this.journal[i]);
    this.journal.length = to;
  }

  private undo(e: JournalEntry): void {
    if (e.kind === "account") {
      if (e.prev === undefined) this.accounts.delete(e.key);
      else this.accounts.set(e.key, e.prev);
    } else if (e.kind === "storage") {
      if (e.prev === undefined) this.storage.delete(e.key);
      else this.storage.set(e.key, e.prev);
    } else {
      const own = this.storage.get(e.key);
      if (own === undefined) return;
      if (e.prev === undefined) own.slots.delete(e.slot);
      else own.slots.set(e.slot, e.prev);
    }
  }

  /** The root the block's writes so far lead to; hashes without keeping anything. */
  async getStateRoot(): Promise<Uint8Array> {
    return (await this.finalize()).root;
  }

  async setStateRoot(): Promise<void> {
    throw new StateError(
      { code: StateErrorCode.UNSUPPORTED, operation: "setStateRoot" },
      "a block state has a fixed base",
    );
  }

  async hasStateRoot(root: Uint8Array): Promise<boolean> {
    return equalBytes(root, this.base.root);
  }

  clearCaches(): void {}

  shallowCopy(): StateManagerInterface {
    throw new StateError(
      { code: StateErrorCode.UNSUPPORTED, operation: "shallowCopy" },
      "a block state cannot be copied",
    );
  }

  // ---- end of block ----

  /**
   * Applies the overlay to copies of the tries and hashes them once: each touched storage trie, then the
   * account trie. The head is not changed; hand the result to FlatStateStore.advance once written.
   */
  async finalize(): Promise<FinalizedState> {
    if (this.checkpoints.length > 0) {
      throw new StateError({ code: StateErrorCode.OPEN_CHECKPOINT }, "cannot finalize state with an open checkpoint");
    }
    const ops: BatchOp[] = [];
    const emit = (hash: Uint8Array, rlp: Uint8Array): void => {
      ops.push({ type: "put", key: bucketKey(Bucket.trieNode, hash), value: rlp });
    };
    const finalAccounts = new Map<string, FlatAccount | null>();
    const storage = new Map<string, StorageChange>();
    // Accounts with storage writes but no account write still need their storage root updated.
    const keys = new Set<string>(this.accounts.keys());
    for (const k of this.storage.keys()) keys.add(k);
    const accountTrie = this.base.accountTrie.copy();
    for (const key of keys) {
      const addr = keyBytes(key);
      let acc = this.accounts.has(key)
        ? (this.accounts.get(key) as FlatAccount | null)
        : await this.base.account(key, addr);
      const overlay = this.storage.get(key);
      if (acc !== null && overlay !== undefined) {
        const baseAcc = overlay.cleared ? null : await this.base.account(key, addr);
        const baseRoot = baseAcc === null ? EMPTY_TRIE_ROOT : baseAcc.storageRoot;
        const trie =
          baseAcc === null
            ? new MerkleTrie(this.base.reader, EMPTY_TRIE_ROOT)
            : this.base.storageView(key, baseRoot).trie.copy();
        for (const [slotKey, value] of overlay.slots) {
          const hashed = keccak256(keyBytes(slotKey));
          if (value.length === 0) await trie.del(hashed);
          else await trie.put(hashed, encodeStorageValue(value));
        }
        const storageRoot = trie.commit(emit);
        acc = { ...acc, storageRoot };
        storage.set(key, { overlay, baseRoot, root: storageRoot, trie });
      }
      finalAccounts.set(key, acc);
      if (acc === null) await accountTrie.del(keccak256(addr));
      else await accountTrie.put(keccak256(addr), encodeAccount(acc));
    }
    const root = accountTrie.commit(emit);
    for (const [k, code] of this.code) ops.push({ type: "put", key: bucketKey(Bucket.code, keyBytes(k)), value: code });
    return {
      parentRoot: this.base.root,
      root,
      ops,
      baseGeneration: this.baseGeneration,
      accountTrie,
      accounts: finalAccounts,
      storage,
      code: this.code,
    };
  }
}

function checkSlot(slot: Uint8Array): void {
  if (slot.length !== 32) {
    throw new StateError({ code: StateErrorCode.INVALID_SLOT, length: slot.length }, "storage slot must be 32 bytes");
  }
}

import { bytesToHex, errorMessage, type Logger, Mutex } from "@knode/common";
import { addressToHex, type SigVerifier } from "@knode/crypto";
import { type Transaction, transactionSignature, transactionSigningHash } from "@knode/types";
import { AccountTxs, DropReason, type PoolTx, TxSlot } from "./accountTxs.js";
import { type AdmissionRules, checkStatelessRules } from "./admission.js";
import { TxPoolErrorCode, txPoolError } from "./errors.js";
import type { PendingListener, TxPoolChain, TxPoolModules, TxPoolStats } from "./interface.js";
import { defaultTxPoolOptions, type TxPoolOptions } from "./options.js";
import { orderPending } from "./pendingOrder.js";
import { TxStore } from "./txStore.js";

type AccountState = { nonce: bigint; balance: bigint };

/**
 * Klaytn/geth-style transaction pool: per-sender nonce runs split into pending (executable now) and
 * queued (future nonces), replacement by price bump, Klaytn's slot limits and lifetime. Signatures are
 * recovered outside the lock, one SigVerifier batch per addBatch call; state changes are serialised.
 */
export class TxPool {
  readonly opts: TxPoolOptions;
  private readonly logger: Logger;
  private readonly sigVerifier: SigVerifier;
  private readonly chain: TxPoolChain;
  private readonly store: TxStore;
  private readonly mutex = new Mutex();
  private readonly listeners = new Set<PendingListener>();
  private rejected = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(opts: Partial<TxPoolOptions>, modules: TxPoolModules) {
    this.opts = { ...defaultTxPoolOptions, ...opts };
    this.logger = modules.logger;
    this.sigVerifier = modules.sigVerifier;
    this.chain = modules.chain;
    this.store = new TxStore(this.opts, this.chain.baseFee());
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.evictExpired(), this.opts.evictionIntervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // Let an admission or head update in flight finish before the caller tears down its modules.
    await this.mutex.run(async () => {});
    this.listeners.clear();
  }

  /** Admits one transaction and returns its hash, or throws the TxPoolError that refused it. */
  async add(tx: Transaction): Promise<Uint8Array> {
    const [res] = await this.addBatch([tx]);
    if (res instanceof Error) throw res;
    return res;
  }

  /** One result per input, in order: the hash when admitted, else the error; one bad tx fails alone. */
  async addBatch(txs: Transaction[]): Promise<(Uint8Array | Error)[]> {
    const results: (Uint8Array | Error | undefined)[] = new Array(txs.length);
    const keys: string[] = new Array(txs.length);
    const rules: AdmissionRules = {
      chainId: this.chain.chainId,
      baseFee: this.chain.baseFee(),
      maxTxGas: this.chain.maxTxGas(),
      maxTxBytes: this.opts.maxTxBytes,
      allowUnprotectedTxs: this.opts.allowUnprotectedTxs,
    };
    const toRecover: number[] = [];
    for (let i = 0; i < txs.length; i++) {
      const tx = txs[i];
      keys[i] = bytesToHex(tx.hash);
      const code = this.store.all.has(keys[i]) ? TxPoolErrorCode.ALREADY_KNOWN : checkStatelessRules(tx, rules);
      if (code) results[i] = txPoolError(code, keys[i]);
      else if (!tx.sender) toRecover.push(i);
    }
    if (toRecover.length > 0) await this.recoverSenders(txs, toRecover, keys, results);
    await this.mutex.run(() => this.admit(txs, keys, results));
    for (const r of results) if (r instanceof Error) this.rejected++;
    return results as (Uint8Array | Error)[];
  }

  private async recoverSenders(
    txs: Transaction[],
    indices: number[],
    keys: string[],
    results: (Uint8Array | Error | undefined)[],
  ): Promise<void> {
    const jobs: { hash: Uint8Array; signature: Uint8Array }[] = [];
    const jobIdx: number[] = [];
    for (const i of indices) {
      try {
        jobs.push({ hash: transactionSigningHash(txs[i]), signature: transactionSignature(txs[i]) });
        jobIdx.push(i);
      } catch {
        results[i] = txPoolError(TxPoolErrorCode.INVALID_SENDER, keys[i]);
      }
    }
    const senders = await this.sigVerifier.recoverAddresses(jobs);
    for (let j = 0; j < jobIdx.length; j++) {
      const i = jobIdx[j];
      const sender = senders[j];
      if (sender) txs[i].sender = sender;
      else results[i] = txPoolError(TxPoolErrorCode.INVALID_SENDER, keys[i]);
    }
  }

  private async admit(txs: Transaction[], keys: string[], results: (Uint8Array | Error | undefined)[]): Promise<void> {
    const senderKeys: string[] = new Array(txs.length);
    for (let i = 0; i < txs.length; i++) if (!results[i]) senderKeys[i] = addressToHex(txs[i].sender as Uint8Array);
    const states = new Map<string, AccountState | Error>();
    // Loops because the expiry timer may forget an account while we await the reads of others.
    for (;;) {
      const unknown = new Map<string, Uint8Array>();
      for (let i = 0; i < txs.length; i++) {
        const sk = senderKeys[i];
        if (!results[i] && !this.store.accounts.has(sk) && !states.has(sk))
          unknown.set(sk, txs[i].sender as Uint8Array);
      }
      if (unknown.size === 0) break;
      for (const [k, v] of await this.readAccounts(unknown)) states.set(k, v);
    }
    this.store.reprice(this.chain.baseFee());
    const now = this.opts.now();
    const fresh: PoolTx[] = [];
    const admitted: (PoolTx | undefined)[] = new Array(txs.length);
    const created = new Map<string, AccountTxs>();
    for (let i = 0; i < txs.length; i++) {
      if (results[i]) continue;
      const sk = senderKeys[i];
      let account = this.store.accounts.get(sk) ?? created.get(sk);
      if (!account) {
        const state = states.get(sk);
        if (state instanceof Error) {
          results[i] = state;
          continue;
        }
        if (!state) throw new Error(`txpool: no state read for ${sk}`); // unreachable: the loop above read it
        account = new AccountTxs(txs[i].sender as Uint8Array, sk, state.nonce, state.balance, now);
        created.set(sk, account);
      }
      const res = this.store.insert(txs[i], keys[i], account, now, fresh);
      if (typeof res === "string") results[i] = txPoolError(res, keys[i]);
      else admitted[i] = res;
    }
    this.store.enforceLimits(now);
    for (let i = 0; i < txs.length; i++) {
      const p = admitted[i];
      if (!p) continue;
      // Admitted, then pushed out by the slot limits within this same call: the submitter should know.
      if (p.slot === TxSlot.Removed && p.dropReason === DropReason.Evicted) {
        results[i] = txPoolError(TxPoolErrorCode.POOL_FULL, keys[i]);
      } else {
        results[i] = txs[i].hash;
      }
    }
    this.announce(fresh);
  }

  private async readAccounts(addrs: Map<string, Uint8Array>): Promise<Map<string, AccountState | Error>> {
    const out = new Map<string, AccountState | Error>();
    await Promise.all(
      [...addrs].map(async ([key, addr]) => {
        try {
          out.set(key, await this.chain.getAccount(addr));
        } catch (e) {
          this.logger.warn({ account: key, err: errorMessage(e) }, "txpool: account read failed");
          out.set(key, e instanceof Error ? e : new Error(errorMessage(e)));
        }
      }),
    );
    return out;
  }

  /**
   * After a block is committed: re-reads every pooled sender's nonce and balance, drops what the block
   * used, demotes or drops what became unpayable and promotes what became executable. The work is one
   * account read per sender plus the txs removed, not a pass over a pool-wide sorted structure.
   */
  async onNewHead(): Promise<void> {
    await this.mutex.run(async () => {
      const accounts = [...this.store.accounts.values()];
      const states = await this.readAccounts(new Map(accounts.map((a) => [a.key, a.address])));
      this.store.reprice(this.chain.baseFee());
      const now = this.opts.now();
      const fresh: PoolTx[] = [];
      for (const a of accounts) {
        const state = states.get(a.key);
        // An account dropped meanwhile (expiry) is no longer ours to update; a failed read keeps the old view.
        if (this.store.accounts.get(a.key) !== a || !state || state instanceof Error) continue;
        this.store.resetAccount(a, state.nonce, state.balance, now, fresh);
      }
      this.store.enforceLimits(now);
      this.logger.debug({ senders: accounts.length, ...this.status() }, "txpool: reset to new head");
      this.announce(fresh);
    });
  }

  /** Executable txs for the next block: nonce order per sender, highest effective tip first across senders. */
  pendingForBlock(limit = Number.POSITIVE_INFINITY): Transaction[] {
    this.store.reprice(this.chain.baseFee());
    return orderPending(this.store.accounts.values(), limit);
  }

  /** Drops the queued txs of senders idle for longer than the lifetime; run by the timer `start()` sets. */
  evictExpired(): number {
    const n = this.store.expire(this.opts.now(), this.opts.lifetimeSeconds * 1000);
    if (n > 0) this.logger.debug({ count: n }, "txpool: expired queued transactions");
    return n;
  }

  get(hash: Uint8Array): Transaction | undefined {
    return this.store.all.get(bytesToHex(hash))?.tx;
  }

  /**
   * The sender recovered at admission of the pooled tx with this hash. The hash covers the signature, so
   * block import may reuse it for the same tx instead of recovering it again.
   */
  getSender(hash: Uint8Array): Uint8Array | undefined {
    return this.store.all.get(bytesToHex(hash))?.tx.sender;
  }

  has(hash: Uint8Array): boolean {
    return this.store.all.has(bytesToHex(hash));
  }

  /** The nonce after the sender's executable run, or undefined when the pool holds nothing of it. */
  pendingNonce(addr: Uint8Array): bigint | undefined {
    return this.store.accounts.get(addressToHex(addr))?.pendingNext();
  }

  status(): { pending: number; queued: number } {
    return { pending: this.store.pendingCount, queued: this.store.queuedCount };
  }

  content(): { pending: Map<string, Transaction[]>; queued: Map<string, Transaction[]> } {
    const pending = new Map<string, Transaction[]>();
    const queued = new Map<string, Transaction[]>();
    for (const a of this.store.accounts.values()) {
      if (a.pending.length > 0)
        pending.set(
          a.key,
          a.pending.map((p) => p.tx),
        );
      if (a.queued.size > 0)
        queued.set(
          a.key,
          a.queuedSorted().map((p) => p.tx),
        );
    }
    return { pending, queued };
  }

  stats(): TxPoolStats {
    const c = this.store.counters;
    return {
      pending: this.store.pendingCount,
      queued: this.store.queuedCount,
      added: c.added,
      replaced: c[DropReason.Replaced],
      rejected: this.rejected,
      promoted: c.promoted,
      demoted: c.demoted,
      included: c[DropReason.Included],
      unpayable: c[DropReason.Unpayable],
      evicted: c[DropReason.Evicted],
      expired: c[DropReason.Expired],
    };
  }

  /** Called with every batch of newly executable txs (admitted, promoted or replacing a pending one). */
  onPending(listener: PendingListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private announce(fresh: PoolTx[]): void {
    if (fresh.length === 0 || this.listeners.size === 0) return;
    const txs: Transaction[] = [];
    const seen = new Set<PoolTx>();
    for (const p of fresh) {
      if (p.slot !== TxSlot.Pending || seen.has(p)) continue;
      seen.add(p);
      txs.push(p.tx);
    }
    if (txs.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(txs);
      } catch (e) {
        this.logger.warn({ err: errorMessage(e) }, "txpool: pending listener failed");
      }
    }
  }
}

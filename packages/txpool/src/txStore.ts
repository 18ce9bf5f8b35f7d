import { effectiveGasTip, type Transaction } from "@knode/types";
import { type AccountTxs, DropReason, type PoolTx, TxSlot } from "./accountTxs.js";
import { isReplacementAllowed, transactionCost } from "./admission.js";
import { BinaryHeap } from "./binaryHeap.js";
import { TxPoolErrorCode } from "./errors.js";
import type { TxPoolOptions } from "./options.js";

export type StoreLimits = Pick<
  TxPoolOptions,
  "priceBump" | "execSlotsAccount" | "execSlotsAll" | "nonExecSlotsAccount" | "nonExecSlotsAll"
>;

type Counter = DropReason | "added" | "promoted" | "demoted";

/** Cheapest first; among equal tips the newest goes first, which is usually the tail of a sender's run. */
function cheaper(a: PoolTx, b: PoolTx): boolean {
  return a.tip < b.tip || (a.tip === b.tip && a.seq > b.seq);
}

/**
 * The pool's synchronous core: every transaction indexed by hash, grouped per sender into the executable
 * run and the future set, plus a lazily cleaned cheapest-first heap for eviction. Nothing here awaits, so
 * each operation leaves the structure consistent before any other code runs.
 */
export class TxStore {
  readonly all = new Map<string, PoolTx>();
  readonly accounts = new Map<string, AccountTxs>();
  pendingCount = 0;
  queuedCount = 0;
  readonly counters: Record<Counter, number> = {
    added: 0,
    promoted: 0,
    demoted: 0,
    [DropReason.Replaced]: 0,
    [DropReason.Included]: 0,
    [DropReason.Unpayable]: 0,
    [DropReason.Evicted]: 0,
    [DropReason.Expired]: 0,
  };
  private priced = new BinaryHeap<PoolTx>(cheaper);
  private seq = 0;

  constructor(
    private readonly limits: StoreLimits,
    private baseFee: bigint,
  ) {}

  get capacity(): number {
    return this.limits.execSlotsAll + this.limits.nonExecSlotsAll;
  }

  /**
   * Admits one transaction whose sender is recovered and whose stateless rules passed. New executable
   * txs (appended, promoted or replacing a pending one) are pushed to `fresh`.
   */
  insert(tx: Transaction, key: string, a: AccountTxs, now: number, fresh: PoolTx[]): PoolTx | TxPoolErrorCode {
    if (this.all.has(key)) return TxPoolErrorCode.ALREADY_KNOWN;
    if (tx.nonce < a.nonce) return TxPoolErrorCode.NONCE_TOO_LOW;
    const cost = transactionCost(tx);
    if (cost > a.balance) return TxPoolErrorCode.INSUFFICIENT_FUNDS;
    const p: PoolTx = {
      tx,
      key,
      account: a,
      cost,
      tip: effectiveGasTip(tx, this.baseFee),
      seq: this.seq++,
      slot: TxSlot.Removed,
    };
    const old = a.get(tx.nonce);
    if (old) {
      if (!isReplacementAllowed(old.tx, tx, this.limits.priceBump)) return TxPoolErrorCode.REPLACEMENT_UNDERPRICED;
      if (old.slot === TxSlot.Pending) {
        a.pending[Number(tx.nonce - a.nonce)] = p;
        fresh.push(p);
      } else {
        a.queued.set(tx.nonce, p);
      }
      this.setSlot(p, old.slot);
      this.drop(old, DropReason.Replaced);
      this.index(p);
      return p;
    }
    if (tx.nonce !== a.pendingNext() && a.queued.size >= this.limits.nonExecSlotsAccount) {
      const max = a.maxQueued();
      if (!max || max.tx.nonce < tx.nonce) return TxPoolErrorCode.ACCOUNT_LIMIT;
      this.remove(max, DropReason.Evicted, now);
    }
    if (this.all.size >= this.capacity) {
      const refused = this.makeRoom(a, p, now);
      if (refused) return refused;
    }
    if (tx.nonce === a.pendingNext()) {
      a.pending.push(p);
      this.setSlot(p, TxSlot.Pending);
      fresh.push(p);
      a.beat = now;
      this.promote(a, now, fresh);
    } else {
      this.enqueue(a, p, now);
    }
    this.index(p);
    if (this.accounts.get(a.key) !== a) this.accounts.set(a.key, a);
    return p;
  }

  /**
   * Applies the sender's state at a new head: txs below the nonce are gone (included or superseded), txs
   * the balance no longer covers are dropped and their followers queued, then the queue is promoted.
   */
  resetAccount(a: AccountTxs, nonce: bigint, balance: bigint, now: number, fresh: PoolTx[]): void {
    a.balance = balance;
    if (nonce > a.nonce) {
      const used = nonce - a.nonce;
      const n = used < BigInt(a.pending.length) ? Number(used) : a.pending.length;
      for (let i = 0; i < n; i++) this.drop(a.pending[i], DropReason.Included);
      a.pending.splice(0, n);
      a.nonce = nonce;
      for (const [q, p] of a.queued) {
        if (q < nonce) {
          a.queued.delete(q);
          this.drop(p, DropReason.Included);
        }
      }
    } else if (nonce < a.nonce) {
      // The head went back (a rewind): the whole run now follows a gap.
      const run = a.pending.splice(0);
      a.nonce = nonce;
      for (const p of run) this.enqueue(a, p, now);
      this.capQueued(a);
    }
    for (let i = 0; i < a.pending.length; i++) {
      if (a.pending[i].cost > balance) {
        this.cutPending(a, i, DropReason.Unpayable, now);
        break;
      }
    }
    for (const [q, p] of a.queued) {
      if (p.cost > balance) {
        a.queued.delete(q);
        this.drop(p, DropReason.Unpayable);
      }
    }
    this.promote(a, now, fresh);
    this.forgetIfEmpty(a);
  }

  /** Klaytn's slot limits, applied after each batch and each new head. */
  enforceLimits(now: number): void {
    if (this.pendingCount > this.limits.execSlotsAll) this.trimPending();
    if (this.queuedCount > this.limits.nonExecSlotsAll) this.trimQueued(now);
  }

  /** Drops the queued txs of senders that made no progress for `lifetimeMs`. */
  expire(now: number, lifetimeMs: number): number {
    let n = 0;
    for (const a of this.accounts.values()) {
      if (a.queued.size === 0 || now - a.beat <= lifetimeMs) continue;
      for (const p of a.queued.values()) this.drop(p, DropReason.Expired);
      n += a.queued.size;
      a.queued.clear();
      this.forgetIfEmpty(a);
    }
    return n;
  }

  /** Recomputes every tip when the base fee changes (never, on knode's constant base fee). */
  reprice(baseFee: bigint): void {
    if (baseFee === this.baseFee) return;
    this.baseFee = baseFee;
    for (const p of this.all.values()) p.tip = effectiveGasTip(p.tx, baseFee);
    this.priced = new BinaryHeap(cheaper, [...this.all.values()]);
  }

  /**
   * Frees one slot in a full pool, Klaytn's way first (a lower nonce displaces the sender's farthest-future
   * tx), else geth's: evict the cheapest tx of another sender if the newcomer pays a strictly higher tip.
   */
  private makeRoom(a: AccountTxs, p: PoolTx, now: number): TxPoolErrorCode | undefined {
    const max = a.maxQueued();
    if (max && max.tx.nonce > p.tx.nonce) {
      this.remove(max, DropReason.Evicted, now);
      return undefined;
    }
    const cheapest = this.cheapest();
    if (!cheapest) return TxPoolErrorCode.POOL_FULL;
    if (cheapest.tip > p.tip) return TxPoolErrorCode.UNDERPRICED;
    if (cheapest.tip === p.tip || cheapest.account === a) return TxPoolErrorCode.POOL_FULL;
    this.remove(cheapest, DropReason.Evicted, now);
    return undefined;
  }

  private cheapest(): PoolTx | undefined {
    for (;;) {
      const top = this.priced.peek();
      if (!top || top.slot !== TxSlot.Removed) return top;
      this.priced.pop();
    }
  }

  /** Equalises the largest senders down towards execSlotsAccount, dropping the tails of their runs. */
  private trimPending(): void {
    const floor = this.limits.execSlotsAccount;
    const offenders: AccountTxs[] = [];
    for (const a of this.accounts.values()) if (a.pending.length > floor) offenders.push(a);
    const heap = new BinaryHeap<AccountTxs>((x, y) => x.pending.length > y.pending.length, offenders);
    while (this.pendingCount > this.limits.execSlotsAll) {
      const a = heap.peek();
      if (!a) break;
      this.drop(a.pending.pop() as PoolTx, DropReason.Evicted);
      if (a.pending.length > floor) heap.replaceTop(a);
      else heap.pop();
      this.forgetIfEmpty(a);
    }
  }

  /** Drops future txs of the longest-idle senders first, farthest nonces first (geth's truncateQueue). */
  private trimQueued(now: number): void {
    const idle = [...this.accounts.values()].filter((a) => a.queued.size > 0).sort((x, y) => x.beat - y.beat);
    let excess = this.queuedCount - this.limits.nonExecSlotsAll;
    for (const a of idle) {
      if (excess <= 0) break;
      const txs = a.queuedSorted();
      for (let i = txs.length - 1; i >= 0 && excess > 0; i--, excess--) this.remove(txs[i], DropReason.Evicted, now);
    }
  }

  private promote(a: AccountTxs, now: number, fresh: PoolTx[]): void {
    let next = a.pendingNext();
    let p = a.queued.get(next);
    if (!p) return;
    while (p) {
      a.queued.delete(next);
      a.pending.push(p);
      this.setSlot(p, TxSlot.Pending);
      fresh.push(p);
      this.counters.promoted++;
      next++;
      p = a.queued.get(next);
    }
    a.beat = now;
  }

  /** Removes any pooled tx; a pending one takes its followers back to the queue. */
  remove(p: PoolTx, reason: DropReason, now: number): void {
    const a = p.account;
    if (p.slot === TxSlot.Pending) {
      this.cutPending(a, Number(p.tx.nonce - a.nonce), reason, now);
    } else if (p.slot === TxSlot.Queued) {
      a.queued.delete(p.tx.nonce);
      this.drop(p, reason);
    }
    this.forgetIfEmpty(a);
  }

  private cutPending(a: AccountTxs, idx: number, reason: DropReason, now: number): void {
    const cut = a.pending.splice(idx);
    this.drop(cut[0], reason);
    for (let i = 1; i < cut.length; i++) {
      this.enqueue(a, cut[i], now);
      this.counters.demoted++;
    }
    this.capQueued(a);
  }

  /** Demotions can overfill a sender's future set; keep its nearest nonces, like Klaytn's list.Cap. */
  private capQueued(a: AccountTxs): void {
    const excess = a.queued.size - this.limits.nonExecSlotsAccount;
    if (excess <= 0) return;
    const txs = a.queuedSorted();
    for (let i = txs.length - excess; i < txs.length; i++) {
      a.queued.delete(txs[i].tx.nonce);
      this.drop(txs[i], DropReason.Evicted);
    }
  }

  private enqueue(a: AccountTxs, p: PoolTx, now: number): void {
    if (a.queued.size === 0) a.beat = now;
    a.queued.set(p.tx.nonce, p);
    this.setSlot(p, TxSlot.Queued);
  }

  private index(p: PoolTx): void {
    this.all.set(p.key, p);
    this.counters.added++;
    this.priced.push(p);
    // Removed entries stay in the heap until popped; compact when they dominate.
    if (this.priced.size > 2 * this.all.size + 1024) this.priced.filter((q) => q.slot !== TxSlot.Removed);
  }

  private drop(p: PoolTx, reason: DropReason): void {
    this.all.delete(p.key);
    this.setSlot(p, TxSlot.Removed);
    p.dropReason = reason;
    this.counters[reason]++;
  }

  private setSlot(p: PoolTx, slot: TxSlot): void {
    if (p.slot === TxSlot.Pending) this.pendingCount--;
    else if (p.slot === TxSlot.Queued) this.queuedCount--;
    if (slot === TxSlot.Pending) this.pendingCount++;
    else if (slot === TxSlot.Queued) this.queuedCount++;
    p.slot = slot;
  }

  private forgetIfEmpty(a: AccountTxs): void {
    if (a.isEmpty() && this.accounts.get(a.key) === a) this.accounts.delete(a.key);
  }
}

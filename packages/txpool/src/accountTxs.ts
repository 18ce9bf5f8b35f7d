import type { Transaction } from "@knode/types";

export enum TxSlot {
  Pending = 0,
  Queued = 1,
  Removed = 2,
}

export enum DropReason {
  Replaced = "replaced",
  Included = "included",
  Unpayable = "unpayable",
  Evicted = "evicted",
  Expired = "expired",
}

/** A pool entry: the transaction plus what the pool derives from it once, at admission. */
export interface PoolTx {
  readonly tx: Transaction;
  /** Hex of the hash, the key of the pool-wide index. */
  readonly key: string;
  readonly account: AccountTxs;
  /** gasLimit * feeCap + value, what the sender must hold for the tx to be payable. */
  readonly cost: bigint;
  /** Effective tip under the base fee the pool last priced with; negative when the fee cap is below it. */
  tip: bigint;
  /** Arrival order, the tie-break between equal tips. */
  readonly seq: number;
  slot: TxSlot;
  dropReason?: DropReason;
}

/**
 * One sender's transactions. `pending` is the executable run: pending[i] has nonce `nonce + i`, so the
 * run's end is the pending nonce. `queued` holds the future nonces, none of them equal to that end (it would
 * have been promoted).
 */
export class AccountTxs {
  readonly pending: PoolTx[] = [];
  readonly queued = new Map<bigint, PoolTx>();

  constructor(
    readonly address: Uint8Array,
    readonly key: string,
    /** Account nonce at the head the pool last saw. */
    public nonce: bigint,
    public balance: bigint,
    /** Last progress (ms): when its queue became non-empty or txs were promoted; drives expiry. */
    public beat: number,
  ) {}

  pendingNext(): bigint {
    return this.nonce + BigInt(this.pending.length);
  }

  get(nonce: bigint): PoolTx | undefined {
    const idx = nonce - this.nonce;
    if (idx >= 0n && idx < BigInt(this.pending.length)) return this.pending[Number(idx)];
    return this.queued.get(nonce);
  }

  /** The farthest-future queued tx, the first to go when the account or the pool runs out of room. */
  maxQueued(): PoolTx | undefined {
    let max: PoolTx | undefined;
    for (const p of this.queued.values()) if (!max || p.tx.nonce > max.tx.nonce) max = p;
    return max;
  }

  queuedSorted(): PoolTx[] {
    return [...this.queued.values()].sort((a, b) => (a.tx.nonce < b.tx.nonce ? -1 : a.tx.nonce > b.tx.nonce ? 1 : 0));
  }

  isEmpty(): boolean {
    return this.pending.length === 0 && this.queued.size === 0;
  }
}

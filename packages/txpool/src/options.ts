export interface TxPoolOptions {
  /** Minimum % increase of both fee cap and tip for a same-nonce replacement (Klaytn PriceBump 10). */
  priceBump: number;
  /** Executable slots guaranteed per account before fairness eviction touches it (Klaytn ExecSlotsAccount 16). */
  execSlotsAccount: number;
  /** Executable slots for all accounts (Klaytn ExecSlotsAll 4096). */
  execSlotsAll: number;
  /** Future-nonce slots per account (Klaytn NonExecSlotsAccount 64). */
  nonExecSlotsAccount: number;
  /** Future-nonce slots for all accounts (Klaytn NonExecSlotsAll 1024). */
  nonExecSlotsAll: number;
  /** How long an account's future txs may wait without the account making progress (Klaytn Lifetime 5 min). */
  lifetimeSeconds: number;
  /** Encoded size cap, Klaytn's MaxTxDataSize (32 KiB) applied to tx.Size(), against DoS. */
  maxTxBytes: number;
  /** How often the expiry sweep runs (Klaytn evictionInterval, 1 min). */
  evictionIntervalMs: number;
  /** geth refuses pre-EIP-155 legacy txs over RPC unless --rpc.allow-unprotected-txs; so do we by default. */
  allowUnprotectedTxs: boolean;
  /** Clock in ms, injectable for tests. */
  now: () => number;
}

export const defaultTxPoolOptions: TxPoolOptions = {
  priceBump: 10,
  execSlotsAccount: 16,
  execSlotsAll: 4096,
  nonExecSlotsAccount: 64,
  nonExecSlotsAll: 1024,
  lifetimeSeconds: 5 * 60,
  maxTxBytes: 32 * 1024,
  evictionIntervalMs: 60_000,
  allowUnprotectedTxs: false,
  now: Date.now,
};

import type { Logger } from "@knode/common";
import type { SigVerifier } from "@knode/crypto";
import type { Transaction } from "@knode/types";

/** What the pool needs of the chain; the node wires the concrete Chain in. */
export interface TxPoolChain {
  readonly chainId: bigint;
  /** Base fee the next block will have; txs paying less are refused (knode's base fee is constant). */
  baseFee(): bigint;
  /** Per-tx gas ceiling (block gas limit) — Klaytn has none, knode uses a large constant. */
  maxTxGas(): bigint;
  /** Account nonce and balance at the current head. */
  getAccount(addr: Uint8Array): Promise<{ nonce: bigint; balance: bigint }>;
}

export interface TxPoolModules {
  logger: Logger;
  sigVerifier: SigVerifier;
  chain: TxPoolChain;
}

export type PendingListener = (txs: Transaction[]) => void;

/** Running totals since start, for logs and (later) metrics. */
export interface TxPoolStats {
  pending: number;
  queued: number;
  /** Accepted new transactions (replacements included). */
  added: number;
  replaced: number;
  /** Refused at admission, any reason. */
  rejected: number;
  /** Moved from queued to pending. */
  promoted: number;
  /** Moved from pending back to queued (a gap opened in front of them). */
  demoted: number;
  /** Removed on a new head because their nonce was used (included or replaced on chain). */
  included: number;
  /** Removed because the sender can no longer pay for them. */
  unpayable: number;
  /** Removed to respect the slot limits. */
  evicted: number;
  /** Removed after the lifetime. */
  expired: number;
}

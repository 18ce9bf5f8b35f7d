import type { Transaction } from "@knode/types";
import type { AccountTxs, PoolTx } from "./accountTxs.js";
import { BinaryHeap } from "./binaryHeap.js";

interface Cursor {
  run: PoolTx[];
  i: number;
  head: PoolTx;
}

function richer(a: Cursor, b: Cursor): boolean {
  return a.head.tip > b.head.tip || (a.head.tip === b.head.tip && a.head.seq < b.head.seq);
}

/**
 * Merges the senders' executable runs: each sender's txs stay in nonce order, and across senders the
 * next tx with the highest effective tip goes first (earlier arrival on ties). A heap over the senders'
 * heads gives O(S + limit·log S) instead of sorting the whole pool. A sender's run stops at its first tx
 * whose fee cap no longer covers the base fee.
 */
export function orderPending(accounts: Iterable<AccountTxs>, limit: number): Transaction[] {
  const cursors: Cursor[] = [];
  for (const a of accounts) {
    const run = a.pending;
    if (run.length > 0 && run[0].tip >= 0n) cursors.push({ run, i: 0, head: run[0] });
  }
  const heap = new BinaryHeap(richer, cursors);
  const out: Transaction[] = [];
  while (out.length < limit) {
    const c = heap.peek();
    if (!c) break;
    out.push(c.head.tx);
    const next = c.run[++c.i];
    if (next && next.tip >= 0n) {
      c.head = next;
      heap.replaceTop(c);
    } else {
      heap.pop();
    }
  }
  return out;
}

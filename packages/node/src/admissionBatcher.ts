import type { Transaction } from "@knode/types";

type AddBatch = (txs: Transaction[]) => Promise<(Uint8Array | Error)[]>;

interface Waiting {
  tx: Transaction;
  resolve: (hash: Uint8Array) => void;
  reject: (err: unknown) => void;
}

/**
 * Coalesces transactions submitted within one turn of the event loop (the calls of one JSON-RPC batch, or
 * many clients at once) into a single `addBatch`: one signature-recovery round trip to the workers and
 * one pass under the pool's lock instead of one of each per transaction.
 */
export class AdmissionBatcher {
  private waiting: Waiting[] = [];

  constructor(private readonly addBatch: AddBatch) {}

  add(tx: Transaction): Promise<Uint8Array> {
    // setImmediate runs after every pending microtask, so all calls started by the same request are in.
    if (this.waiting.length === 0) setImmediate(() => this.flush());
    return new Promise((resolve, reject) => this.waiting.push({ tx, resolve, reject }));
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.addBatch(batch.map((w) => w.tx)).then(
      (results) => {
        for (let i = 0; i < batch.length; i++) {
          const r = results[i];
          if (r instanceof Error) batch[i].reject(r);
          else batch[i].resolve(r);
        }
      },
      (err: unknown) => {
        for (const w of batch) w.reject(err);
      },
    );
  }
}

import { workerData as rawWorkerData } from "node:worker_threads";
import { move, transferableSymbol, valueSymbol } from "piscina";
import { assertNativeCrypto } from "./native.js";
import { recoverAddress } from "./secp256k1.js";
import {
  ADDRESS_BYTES,
  HASH_BYTES,
  JOB_BYTES,
  nowMs,
  resultBytes,
  type SigTask,
  type SigTaskResult,
  type SigWorkerData,
} from "./sigWorkerProtocol.js";

// A worker on the ~30x slower pure-JS fallback would quietly cap the node's intake, so it refuses to load.
// The pool constructor checks the binding on the main thread too; failed loads surface there as error logs,
// and tasks stuck behind them end through the task timeout, the retry and the main-thread fallback.
assertNativeCrypto();

function readWorkerData(v: unknown): SigWorkerData {
  if (typeof v !== "object" || v === null) return { crashHash: null, crashBudget: null };
  const d = v as Partial<SigWorkerData>;
  const crashHash = d.crashHash instanceof Uint8Array && d.crashHash.length === HASH_BYTES ? d.crashHash : null;
  const crashBudget = d.crashBudget instanceof Int32Array ? d.crashBudget : null;
  return crashHash && crashBudget ? { crashHash, crashBudget } : { crashHash: null, crashBudget: null };
}

const { crashHash, crashBudget } = readWorkerData(rawWorkerData);

function matchesAt(data: Uint8Array, offset: number, pattern: Uint8Array): boolean {
  for (let i = 0; i < pattern.length; i++) if (data[offset + i] !== pattern[i]) return false;
  return true;
}

function isSigTask(v: unknown): v is SigTask {
  if (typeof v !== "object" || v === null) return false;
  const t = v as Partial<SigTask>;
  return (
    t.data instanceof Uint8Array &&
    typeof t.count === "number" &&
    t.data.length === t.count * JOB_BYTES &&
    typeof t.sentAt === "number"
  );
}

/** Piscina task handler: recovers every job of one packed batch; a bad signature only clears its mask byte. */
export default function recoverBatch(task: unknown): unknown {
  const receivedAt = nowMs();
  if (!isSigTask(task)) throw new Error("sigWorker: malformed task");
  const { data, count } = task;
  const out = new Uint8Array(resultBytes(count));
  const maskOffset = count * ADDRESS_BYTES;
  for (let i = 0; i < count; i++) {
    const o = i * JOB_BYTES;
    if (crashHash && crashBudget && matchesAt(data, o, crashHash) && Atomics.sub(crashBudget, 0, 1) > 0) {
      // In a worker thread this ends the thread, not the process: exactly the crash the pool must survive.
      process.exit(1);
    }
    try {
      out.set(
        recoverAddress(data.subarray(o, o + HASH_BYTES), data.subarray(o + HASH_BYTES, o + JOB_BYTES)),
        i * ADDRESS_BYTES,
      );
      out[maskOffset + i] = 1;
    } catch {
      // Invalid signature: the mask byte stays 0.
    }
  }
  const result: SigTaskResult = { out, receivedAt, doneAt: nowMs() };
  return move({ [transferableSymbol]: out.buffer, [valueSymbol]: result });
}

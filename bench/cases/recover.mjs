import { randomBytes } from "node:crypto";
import { MainThreadSigVerifier, nobleRecoverPublicKey, PoolSigVerifier, recoverAddress, sign } from "@knode/crypto";

/** Pool throughput when callers submit `batch`-sized calls all at once (as gossip intake does). */
async function poolPerSec(pool, jobs, batch) {
  const t = performance.now();
  const calls = [];
  for (let i = 0; i < jobs.length; i += batch) calls.push(pool.recoverAddresses(jobs.slice(i, i + batch)));
  const outs = await Promise.all(calls);
  const perSec = jobs.length / ((performance.now() - t) / 1000);
  if (outs.some((o) => o.some((a) => a === null))) throw new Error("pool recovery failed");
  return Math.round(perSec);
}

/** Signature recovery per second: native binding on the main thread, the worker pool, and noble for scale. */
export async function recoverMain({ txs }) {
  const n = Math.max(1000, Math.min(txs, 20000));
  const jobs = Array.from({ length: n }, () => {
    const key = randomBytes(32);
    const hash = randomBytes(32);
    return { hash: new Uint8Array(hash), signature: sign(new Uint8Array(hash), new Uint8Array(key)) };
  });
  const verifier = new MainThreadSigVerifier();
  let t = performance.now();
  const out = await verifier.recoverAddresses(jobs);
  const mainPerSec = n / ((performance.now() - t) / 1000);
  if (out.some((a) => a === null)) throw new Error("recovery failed");
  const nobleN = Math.min(300, n);
  t = performance.now();
  for (let i = 0; i < nobleN; i++) nobleRecoverPublicKey(jobs[i].hash, jobs[i].signature);
  const noblePerSec = nobleN / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let i = 0; i < n; i++) recoverAddress(jobs[i].hash, jobs[i].signature);
  const directPerSec = n / ((performance.now() - t) / 1000);
  await verifier.close();
  const pool = new PoolSigVerifier({});
  // Workers start lazily in the background; one round trip makes sure they are up before timing.
  await pool.recoverAddresses(jobs.slice(0, 16));
  const poolByBatch = {};
  for (const batch of [1, 16, 256]) poolByBatch[batch] = await poolPerSec(pool, jobs, batch);
  const { threads, tasks } = pool.stats();
  await pool.close();
  return {
    case: "recover-main",
    signatures: n,
    recoverPerSecMainThread: Math.round(mainPerSec),
    recoverPerSecDirect: Math.round(directPerSec),
    recoverPerSecNoble: Math.round(noblePerSec),
    recoverPerSecPool: poolByBatch[256],
    recoverPerSecPoolByBatch: poolByBatch,
    poolThreads: threads,
    poolTasks: tasks,
  };
}

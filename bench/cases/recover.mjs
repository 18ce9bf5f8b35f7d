import { randomBytes } from "node:crypto";
import { MainThreadSigVerifier, nobleRecoverPublicKey, recoverAddress, sign } from "@knode/crypto";

/** Signature recovery per second: native binding on the main thread, and the noble fallback for scale. */
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
  return {
    case: "recover-main",
    signatures: n,
    recoverPerSecMainThread: Math.round(mainPerSec),
    recoverPerSecDirect: Math.round(directPerSec),
    recoverPerSecNoble: Math.round(noblePerSec),
  };
}

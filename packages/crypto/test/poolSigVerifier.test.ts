import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bytesToHex, isKnodeError } from "@knode/common";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CryptoErrorCode,
  MainThreadSigVerifier,
  PoolSigVerifier,
  type PoolSigVerifierOptions,
  privateKeyToAddress,
  randomPrivateKey,
  SECP256K1_N,
  type SignatureJob,
  sign,
} from "../src/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

// Worker threads cannot load the .ts sources vitest runs, so the pool uses the compiled dist/sigWorker.js;
// an incremental build keeps it in step with the sources under test.
beforeAll(() => {
  const tsc = path.resolve(repoRoot, "node_modules/typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-b", path.resolve(repoRoot, "packages/crypto")], { stdio: "inherit" });
}, 120_000);

const verifiers: PoolSigVerifier[] = [];
function pool(opts: Partial<PoolSigVerifierOptions> = {}): PoolSigVerifier {
  const v = new PoolSigVerifier({ threads: 2, ...opts });
  verifiers.push(v);
  return v;
}
afterEach(async () => {
  await Promise.all(verifiers.splice(0).map((v) => v.close()));
});

interface SignedJob extends SignatureJob {
  address: Uint8Array;
}

function signedJobs(n: number): SignedJob[] {
  return Array.from({ length: n }, () => {
    const key = randomPrivateKey();
    const hash = new Uint8Array(randomBytes(32));
    return { hash, signature: sign(hash, key), address: privateKeyToAddress(key) };
  });
}

function hexes(out: (Uint8Array | null)[]): (string | null)[] {
  return out.map((a) => (a === null ? null : bytesToHex(a)));
}

describe("PoolSigVerifier", () => {
  it("recovers the same senders as the main thread for 1,000 random signatures", async () => {
    const jobs = signedJobs(1000);
    const v = pool({ maxJobsPerTask: 64 });
    const [fromPool, fromMain] = await Promise.all([
      v.recoverAddresses(jobs),
      new MainThreadSigVerifier().recoverAddresses(jobs),
    ]);
    expect(fromPool).toHaveLength(jobs.length);
    expect(hexes(fromPool)).toEqual(hexes(fromMain));
    expect(hexes(fromPool)).toEqual(jobs.map((j) => bytesToHex(j.address)));
    const s = v.stats();
    expect(s.tasks).toBe(Math.ceil(1000 / 64));
    expect(s.completedTasks).toBe(s.tasks);
    expect(s.jobs).toBe(1000);
    expect(s.queuedJobs).toBe(0);
    expect(s.roundTripMs).toBeGreaterThan(0);
    expect(s.roundTripMs).toBeGreaterThanOrEqual(s.timeInWorkerMs);
  });

  it("answers null for bad signatures without failing the good ones in the same batch", async () => {
    const good = signedJobs(4);
    const nBytes = Buffer.from(SECP256K1_N.toString(16), "hex");
    const highR = good[0].signature.slice();
    highR.set(nBytes, 0);
    const recid4 = good[1].signature.slice();
    recid4[64] = 4;
    const flipped = good[2].signature.slice();
    flipped[64] ^= 1;
    const bad: SignatureJob[] = [
      { hash: good[0].hash, signature: good[0].signature.subarray(0, 64) },
      { hash: good[0].hash.subarray(1), signature: good[0].signature },
      { hash: good[1].hash, signature: new Uint8Array(65) },
      { hash: good[0].hash, signature: highR },
      { hash: good[1].hash, signature: recid4 },
    ];
    const jobs: SignatureJob[] = [good[0], bad[0], bad[1], good[1], bad[2], bad[3], good[2], bad[4], good[3]];
    jobs.push({ hash: good[2].hash, signature: flipped });
    const v = pool();
    const out = await v.recoverAddresses(jobs);
    const expected = await new MainThreadSigVerifier().recoverAddresses(jobs);
    expect(hexes(out)).toEqual(hexes(expected));
    expect(hexes([out[0], out[3], out[6], out[8]])).toEqual(good.map((j) => bytesToHex(j.address)));
    expect(out.slice(1, 3)).toEqual([null, null]);
    expect(out.slice(4, 6)).toEqual([null, null]);
    expect(out[7]).toBeNull();
    // Flipping the recovery id yields some other key, never the signer.
    expect(out[9] === null || bytesToHex(out[9]) !== bytesToHex(good[2].address)).toBe(true);
  });

  it("survives a worker crash: respawns, retries the batch on the pool and keeps working", async () => {
    const jobs = signedJobs(40);
    const v = pool({ testCrash: { hash: jobs[17].hash, times: 1 } });
    const out = await v.recoverAddresses(jobs);
    expect(hexes(out)).toEqual(jobs.map((j) => bytesToHex(j.address)));
    let s = v.stats();
    expect(s.failedTasks).toBe(1);
    expect(s.retries).toBe(1);
    expect(s.fallbacks).toBe(0);
    expect(s.threads).toBe(2);
    const later = signedJobs(30);
    expect(hexes(await v.recoverAddresses(later))).toEqual(later.map((j) => bytesToHex(j.address)));
    s = v.stats();
    expect(s.completedTasks).toBe(2);
    expect(s.failedTasks).toBe(1);
  });

  it("falls back to the main thread when the retry crashes too, and later batches still use the pool", async () => {
    const jobs = signedJobs(20);
    const v = pool({ testCrash: { hash: jobs[3].hash, times: 1_000_000 } });
    const [crashed, concurrent] = await Promise.all([
      v.recoverAddresses(jobs),
      // Gathered into the same task, so it shares the crashes and the fallback.
      v.recoverAddresses(jobs.slice(10)),
    ]);
    expect(hexes(crashed)).toEqual(jobs.map((j) => bytesToHex(j.address)));
    expect(hexes(concurrent)).toEqual(jobs.slice(10).map((j) => bytesToHex(j.address)));
    let s = v.stats();
    expect(s.failedTasks).toBe(2);
    expect(s.retries).toBe(1);
    expect(s.fallbacks).toBe(1);
    expect(s.fallbackJobs).toBe(30);
    expect(s.completedTasks).toBe(0);
    const later = signedJobs(25);
    expect(hexes(await v.recoverAddresses(later))).toEqual(later.map((j) => bytesToHex(j.address)));
    s = v.stats();
    expect(s.completedTasks).toBe(1);
    expect(s.threads).toBe(2);
    expect(s.queuedJobs).toBe(0);
  });

  it("signals back-pressure while more than maxQueuedJobs are outstanding, and clears it once drained", async () => {
    const v = pool({ maxQueuedJobs: 100, maxJobsPerTask: 32 });
    const jobs = signedJobs(160);
    expect(v.canAcceptWork()).toBe(true);
    const calls = [v.recoverAddresses(jobs.slice(0, 60))];
    expect(v.canAcceptWork()).toBe(true);
    calls.push(v.recoverAddresses(jobs.slice(60, 100)));
    expect(v.stats().queuedJobs).toBe(100);
    expect(v.canAcceptWork()).toBe(true);
    calls.push(v.recoverAddresses(jobs.slice(100)));
    expect(v.canAcceptWork()).toBe(false);
    expect(v.stats().queuedJobs).toBe(160);
    const outs = await Promise.all(calls);
    expect(hexes(outs.flat())).toEqual(jobs.map((j) => bytesToHex(j.address)));
    expect(v.stats().queuedJobs).toBe(0);
    expect(v.canAcceptWork()).toBe(true);
  });

  it("gathers many small concurrent calls into few tasks and splits big ones", async () => {
    const jobs = signedJobs(300);
    const v = pool({ maxJobsPerTask: 128 });
    const outs = await Promise.all(jobs.map((j) => v.recoverAddresses([j])));
    expect(hexes(outs.map((o) => o[0]))).toEqual(jobs.map((j) => bytesToHex(j.address)));
    const s = v.stats();
    expect(s.calls).toBe(300);
    expect(s.tasks).toBeLessThan(s.calls);
    expect(s.tasks).toBe(Math.ceil(300 / 128));

    const big = await v.recoverAddresses(jobs);
    expect(hexes(big)).toEqual(jobs.map((j) => bytesToHex(j.address)));
    expect(v.stats().tasks - s.tasks).toBe(3);
    expect(await v.recoverAddresses([])).toEqual([]);
  });

  it("rejects outstanding and later calls with VERIFIER_CLOSED after close", async () => {
    const v = pool();
    const jobs = signedJobs(50);
    const isClosed = (e: unknown) => isKnodeError(e, CryptoErrorCode.VERIFIER_CLOSED);
    // The expectation is attached before close() so the rejection is observed, as an awaiting caller would.
    const pending = expect(v.recoverAddresses(jobs)).rejects.toSatisfy(isClosed);
    await v.close();
    await pending;
    await expect(v.recoverAddresses(jobs)).rejects.toSatisfy(isClosed);
    expect(v.canAcceptWork()).toBe(false);
    await v.close();
  });

  it("refuses to start without its compiled worker", () => {
    const missing = new URL("./no-such-worker.js", import.meta.url);
    let thrown: unknown;
    try {
      new PoolSigVerifier({ workerUrl: missing });
    } catch (e) {
      thrown = e;
    }
    expect(isKnodeError(thrown, CryptoErrorCode.WORKER_MISSING)).toBe(true);
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isKnodeError, nullLogger } from "@knode/common";
import { CryptoErrorCode, keccak256, MainThreadSigVerifier, PoolSigVerifier, sign } from "@knode/crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { initDatadir } from "../src/init.js";
import { KnodeNode } from "../src/knodeNode.js";
import { defaultNodeOptions } from "../src/options.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const devGenesis = path.join(repoRoot, "genesis/dev.json");

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return addr.port;
}

const dirs: string[] = [];
const nodes: KnodeNode[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function startNode(extra: { sigWorkers?: number; metricsPort?: number }): Promise<KnodeNode> {
  const datadir = mkdtempSync(path.join(tmpdir(), "knode-node-"));
  dirs.push(datadir);
  await initDatadir(datadir, devGenesis);
  const node = await KnodeNode.create(
    {
      datadir,
      role: "en",
      port: await freePort(),
      nodiscover: true,
      ...(extra.sigWorkers === undefined ? {} : { sigWorkers: extra.sigWorkers }),
      metrics: { enabled: extra.metricsPort !== undefined, port: extra.metricsPort ?? 0 },
    },
    { logger: nullLogger() },
  );
  nodes.push(node);
  return node;
}

const hash = keccak256(Uint8Array.of(1));
const job = { hash, signature: sign(hash, keccak256(Uint8Array.of(2))) };

describe("KnodeNode signature verifier wiring", () => {
  beforeAll(async () => {
    // The pool's worker is the built dist/sigWorker.js (a worker thread cannot load the .ts sources).
    const { execFileSync } = await import("node:child_process");
    execFileSync("npx", ["tsc", "-b", "packages/crypto"], { cwd: repoRoot, stdio: "inherit" });
  }, 120_000);

  it("starts with the worker pool by default, exports its metrics, and closes it on stop", async () => {
    expect(defaultNodeOptions.sigWorkers).toBe(Math.max(1, availableParallelism() - 1));
    const metricsPort = await freePort();
    const node = await startNode({ metricsPort });
    const v = node.sigVerifier;
    expect(v).toBeInstanceOf(PoolSigVerifier);
    expect((v as PoolSigVerifier).stats().threads).toBe(defaultNodeOptions.sigWorkers);
    const [addr] = await v.recoverAddresses([job]);
    expect(addr).toBeInstanceOf(Uint8Array);
    const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(body).toMatch(new RegExp(`^knode_sigverifier_threads ${defaultNodeOptions.sigWorkers}$`, "m"));
    expect(body).toMatch(/^knode_sigverifier_jobs_total 1$/m);
    expect(body).toMatch(/^knode_sigverifier_completed_tasks_total 1$/m);
    expect(body).toMatch(/^knode_sigverifier_round_trip_seconds_total \d/m);
    expect(body).toContain("knode_net_tx_batches_dropped_total 0");

    nodes.splice(nodes.indexOf(node), 1);
    await node.close();
    expect((v as PoolSigVerifier).stats().threads).toBe(0);
    await expect(v.recoverAddresses([job])).rejects.toSatisfy((e: unknown) =>
      isKnodeError(e, CryptoErrorCode.VERIFIER_CLOSED),
    );
  });

  it("recovers on the main thread with sigWorkers 0", async () => {
    const node = await startNode({ sigWorkers: 0 });
    expect(node.sigVerifier).toBeInstanceOf(MainThreadSigVerifier);
    expect(node.sigVerifier.canAcceptWork()).toBe(true);
  });
});

// Shared plumbing for benchmark cases: a local network from the real binary, pre-signed load, and
// measurement from the chain itself (block timestamps) and the node's own logs.
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setupLocal } from "@knode/cli";
import { initDatadir } from "@knode/node";
import { genesisToJson, parseGenesis } from "@knode/types";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = path.join(ROOT, "cmd/knode/knode.js");

export async function freePort(count) {
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) {
      ok = await new Promise((resolve) => {
        const s = createServer();
        s.once("error", () => resolve(false));
        s.listen(p, "127.0.0.1", () => s.close(() => resolve(true)));
      });
    }
    if (ok) return base;
  }
}

/**
 * A fresh network folder as `knode setup local` + `knode init` make it, done in-process with the same
 * functions (child processes for them would cost a Node start-up each). `extraAlloc(network)` may return
 * more genesis accounts (address → GenesisAccount, e.g. a contract): it is called once the test accounts
 * exist, and its accounts are written into genesis.json before any node is initialised from it.
 */
export async function localNetwork({ cn, pn = 0, en = 0, testAccounts, blockPeriod = 1, extraAlloc }) {
  const dir = mkdtempSync(path.join(tmpdir(), "knode-bench-"));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const total = cn + pn + en;
    const network = setupLocal({
      cn,
      pn,
      en,
      testAccounts,
      blockPeriod,
      chainId: 1000,
      basePort: await freePort(total),
      rpcBasePort: await freePort(2 * total),
      out: dir,
    });
    if (extraAlloc) addToGenesis(path.join(dir, network.genesis), extraAlloc(network));
    for (const n of network.nodes) await initDatadir(path.join(dir, n.datadir), path.join(dir, network.genesis));
    return { dir, network, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

function addToGenesis(file, extra) {
  const spec = parseGenesis(readFileSync(file, "utf8"));
  for (const [addr, account] of extra) {
    if (spec.alloc.has(addr)) throw new Error(`extraAlloc: ${addr} is already in the genesis alloc`);
    spec.alloc.set(addr, account);
  }
  writeFileSync(file, genesisToJson(spec));
}

/** Pool limits raised above Klaytn's defaults (4096 + 1024 slots) so a benchmark burst is not refused. */
const BENCH_POOL_FLAGS = [
  "--txpool.exec-slots.all",
  "200000",
  "--txpool.nonexec-slots.all",
  "200000",
  "--txpool.exec-slots.account",
  "200000",
];

export function startNode(dir, node) {
  // KNODE_BENCH_CPU_PROF=<dir>: each node writes a V8 CPU profile there when it stops (node --cpu-prof).
  const prof = process.env.KNODE_BENCH_CPU_PROF
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.KNODE_BENCH_CPU_PROF}`]
    : [];
  const proc = spawn(process.execPath, [...prof, BIN, ...node.args, ...BENCH_POOL_FLAGS, "--log.format", "json"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const blocks = [];
  let buf = "";
  // KNODE_BENCH_LOGS=<dir>: each node's log lines are also written to <dir>/<node name>.log.
  const logFile = process.env.KNODE_BENCH_LOGS ? path.join(process.env.KNODE_BENCH_LOGS, `${node.name}.log`) : null;
  if (logFile) mkdirSync(path.dirname(logFile), { recursive: true });
  const onData = (d) => {
    if (logFile) appendFileSync(logFile, d);
    buf += d.toString();
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const rec = JSON.parse(line);
        if (rec.msg === "committed block") blocks.push(rec);
      } catch {}
    }
  };
  proc.stdout.on("data", onData);
  proc.stderr.on("data", onData);
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  return {
    proc,
    blocks,
    exited,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      // A node exits once it has closed everything (and written its CPU profile when profiled); one that
      // does not stop cleanly is killed rather than left to hold the benchmark up.
      const hung = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      try {
        await exited;
      } finally {
        clearTimeout(hung);
      }
    },
  };
}

export async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(body.error.message);
  return body.result;
}

/** One JSON-RPC batch of `[method, params]` calls; the results in call order, or the first error thrown. */
export async function rpcBatch(url, calls) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(calls.map(([method, params], id) => ({ jsonrpc: "2.0", id, method, params }))),
  });
  const byId = new Map((await res.json()).map((r) => [r.id, r]));
  return calls.map((call, id) => {
    const r = byId.get(id);
    if (r === undefined) throw new Error(`no answer to ${call[0]} in the batch`);
    if (r.error) throw new Error(`${call[0]}: ${r.error.message}`);
    return r.result;
  });
}

export async function waitReady(url) {
  for (let i = 0; i < 600; i++) {
    try {
      return await rpc(url, "eth_blockNumber");
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error("node did not start");
}

export function peakRssMb(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmHWM:\s+(\d+) kB/);
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Wall time of a case's steps, so a slow run shows where its time went. */
export function phaseTimer() {
  let last = performance.now();
  const phasesMs = {};
  return {
    phasesMs,
    mark(name) {
      const now = performance.now();
      phasesMs[name] = Math.round(now - last);
      last = now;
    },
  };
}

/** Polls `url` until its head is at least `n`. */
export async function waitForHead(url, n, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Number(await rpc(url, "eth_blockNumber")) < n) {
    if (Date.now() > deadline) throw new Error(`${url} did not reach block ${n} in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Shared plumbing for benchmark cases: a local network from the real binary, pre-signed load, and
// measurement from the chain itself (block timestamps) and the node's own logs.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

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

export async function localNetwork({ cn, pn = 0, en = 0, testAccounts, blockPeriod = 1 }) {
  const dir = mkdtempSync(path.join(tmpdir(), "knode-bench-"));
  const total = cn + pn + en;
  const r = spawnSync(
    process.execPath,
    [
      BIN,
      "setup",
      "local",
      "--cn",
      String(cn),
      "--pn",
      String(pn),
      "--en",
      String(en),
      "--test-accounts",
      String(testAccounts),
      "--base-port",
      String(await freePort(total)),
      "--rpc-base-port",
      String(await freePort(2 * total)),
      "--block-period",
      String(blockPeriod),
      "-o",
      dir,
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  const network = JSON.parse(readFileSync(path.join(dir, "network.json"), "utf8"));
  for (const n of network.nodes) {
    const i = spawnSync(
      process.execPath,
      [BIN, "init", "--datadir", path.join(dir, n.datadir), path.join(dir, "genesis.json")],
      { encoding: "utf8" },
    );
    if (i.status !== 0) throw new Error(i.stderr);
  }
  return { dir, network, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
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
  const proc = spawn(process.execPath, [BIN, ...node.args, ...BENCH_POOL_FLAGS, "--log.format", "json"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const blocks = [];
  let buf = "";
  const onData = (d) => {
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
      proc.kill("SIGTERM");
      await exited;
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

export async function waitReady(url) {
  for (let i = 0; i < 300; i++) {
    try {
      return await rpc(url, "eth_blockNumber");
    } catch {
      await new Promise((r) => setTimeout(r, 100));
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

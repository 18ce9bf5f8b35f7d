import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NetworkDescription, NetworkNode } from "@knode/cli";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const KNODE_BIN = path.join(REPO_ROOT, "cmd/knode/knode.js");

/** network.json as `knode setup local` writes it (SPEC §2). */
export type NetworkInfo = NetworkDescription;
export type NetworkNodeInfo = NetworkNode;

/** Runs the real binary to completion (for CLI commands). */
export function runKnode(args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(process.execPath, [KNODE_BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    input: opts.input,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = "knode-test-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A port range that is free right now: `count` consecutive ports starting at the returned one. */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await portIsFree(p);
    if (ok) return base;
  }
  throw new Error("no free port range found");
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** `knode setup local` into a fresh temp dir with free ports; returns the dir and network.json. */
export async function setupLocalNetwork(opts: {
  cn: number;
  pn?: number;
  en?: number;
  testAccounts?: number;
  extra?: string[];
}) {
  const dir = tempDir();
  const total = opts.cn + (opts.pn ?? 0) + (opts.en ?? 0);
  const p2pBase = await freePortRange(total);
  const rpcBase = await freePortRange(2 * total);
  const r = runKnode([
    "setup",
    "local",
    "--cn",
    String(opts.cn),
    "--pn",
    String(opts.pn ?? 0),
    "--en",
    String(opts.en ?? 0),
    "--test-accounts",
    String(opts.testAccounts ?? 4),
    "--base-port",
    String(p2pBase),
    "--rpc-base-port",
    String(rpcBase),
    ...(opts.extra ?? []),
    "-o",
    dir,
  ]);
  if (r.status !== 0) throw new Error(`setup local failed: ${r.stderr}`);
  const network = JSON.parse(readFileSync(path.join(dir, "network.json"), "utf8")) as NetworkInfo;
  for (const n of network.nodes) {
    const init = runKnode(["init", "--datadir", path.join(dir, n.datadir), path.join(dir, network.genesis)]);
    if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
  }
  return { dir, network, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A running knode child process, with its output kept in DIR/<name>.log for post-mortems. */
export class KnodeProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private output = "";

  private constructor(
    readonly proc: ChildProcess,
    readonly rpc: string,
  ) {
    this.exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
    proc.stdout?.on("data", (d: Buffer) => this.keep(d));
    proc.stderr?.on("data", (d: Buffer) => this.keep(d));
  }

  private keep(d: Buffer): void {
    this.output += d.toString();
    if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
  }

  get log(): string {
    return this.output;
  }

  static start(dir: string, node: NetworkNodeInfo, extraArgs: string[] = [], env?: NodeJS.ProcessEnv): KnodeProcess {
    const proc = spawn(process.execPath, [KNODE_BIN, ...node.args, ...extraArgs], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      env: env ? { ...process.env, ...env } : process.env,
    });
    const p = new KnodeProcess(proc, node.rpc);
    const file = createWriteStream(path.join(dir, `${node.name}.log`), { flags: "a" });
    proc.stdout?.pipe(file);
    proc.stderr?.pipe(file);
    return p;
  }

  /** Resolves once the RPC answers; rejects if the process exits first or the bound passes. */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    while (Date.now() < deadline) {
      if (exited) throw new Error(`knode exited before its RPC came up:\n${this.output.slice(-3000)}`);
      try {
        await rpcCall(this.rpc, "eth_blockNumber", []);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`knode RPC not ready after ${timeoutMs} ms:\n${this.output.slice(-3000)}`);
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exited;
  }
}

export async function rpcCall<T = unknown>(url: string, method: string, params: unknown[]): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { code: number; message: string } };
  if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
  return body.result as T;
}

export async function rawPost(url: string, body: string | Uint8Array): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  return { status: res.status, text: await res.text() };
}

/** Waits until the head reaches `target` (polling: a separate process gives us no other signal). */
export async function waitForBlock(url: string, target: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const n = Number(await rpcCall<string>(url, "eth_blockNumber", []));
    if (n >= target) return n;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`block ${target} not reached within ${timeoutMs} ms`);
}

/**
 * A node outside network.json: a fresh datadir (initialised with `genesis` unless `init` is false), free
 * p2p and RPC ports on 127.0.0.1, and `args` after the usual ones. `dir` is the datadir, to remove after.
 */
export async function freshNode(o: {
  name: string;
  role: "cn" | "pn" | "en";
  genesis: string;
  args?: string[];
  init?: boolean;
}): Promise<{ node: NetworkNodeInfo; dir: string }> {
  const dir = tempDir(`knode-${o.name}-`);
  if (o.init !== false) {
    const r = runKnode(["init", "--datadir", dir, o.genesis]);
    if (r.status !== 0) throw new Error(`init failed: ${r.stderr}`);
  }
  const p2pPort = await freePortRange(1);
  const rpcPort = await freePortRange(1);
  const args = [
    "--role",
    o.role,
    "--datadir",
    dir,
    "--port",
    String(p2pPort),
    "--rpc",
    "--rpcport",
    String(rpcPort),
    ...(o.args ?? []),
  ];
  return {
    dir,
    node: { name: o.name, role: o.role, datadir: dir, args, rpc: `http://127.0.0.1:${rpcPort}`, ws: "", p2p: "" },
  };
}

import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sleep } from "@knode/common";
import { genesisCopyPath, initDatadir } from "@knode/node";
import { CliError, CliErrorCode } from "../errors.js";
import { defaultSetupLocalOptions, type NetworkDescription, setupLocal } from "./setupLocal.js";

export interface LocalnetOptions {
  cn: number;
  pn: number;
  en: number;
  dir: string;
  basePort: number;
  rpcBasePort: number;
}

const KNODE_BIN = fileURLToPath(new URL("../../../../cmd/knode/knode.js", import.meta.url));

/**
 * `knode localnet`: set up DIR if it is empty, init every datadir, start each node as a child process on
 * 127.0.0.1 (logs in DIR/<name>.log), print how to reach the network, and stop every child on Ctrl-C.
 * Re-running reuses DIR and its chain.
 */
export async function localnet(o: LocalnetOptions): Promise<void> {
  const dir = path.resolve(o.dir);
  const fresh = !existsSync(dir) || readdirSync(dir).length === 0;
  if (fresh) {
    setupLocal({
      ...defaultSetupLocalOptions,
      cn: o.cn,
      pn: o.pn,
      en: o.en,
      basePort: o.basePort,
      rpcBasePort: o.rpcBasePort,
      out: dir,
    });
  }
  const networkFile = path.join(dir, "network.json");
  if (!existsSync(networkFile)) throw new CliError(CliErrorCode.USAGE, `${dir} is not empty and holds no network.json`);
  const net = JSON.parse(readFileSync(networkFile, "utf8")) as NetworkDescription;
  for (const n of net.nodes) {
    const datadir = path.join(dir, n.datadir);
    if (!existsSync(genesisCopyPath(datadir))) await initDatadir(datadir, path.join(dir, net.genesis));
  }

  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    await Promise.all(
      [...children.values()].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once("exit", () => resolve());
            c.kill("SIGTERM");
          }),
      ),
    );
  };
  const exited = new Promise<string>((resolve) => {
    for (const n of net.nodes) {
      const log = createWriteStream(path.join(dir, `${n.name}.log`), { flags: "a" });
      const child = spawn(process.execPath, [KNODE_BIN, ...n.args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      child.once("exit", (code, signal) => {
        if (!stopping) resolve(`${n.name} exited (${signal ?? code}); see ${path.join(dir, `${n.name}.log`)}`);
      });
      children.set(n.name, child);
    }
  });
  const onSignal = () => {
    if (stopping) return;
    process.stdout.write("\nStopping local network...\n");
    void stopAll().then(() => process.exit(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const ready = Promise.all(net.nodes.map((n) => waitForRpc(n.rpc)));
  const first = await Promise.race([ready.then(() => "ready"), exited]);
  if (first !== "ready") {
    await stopAll();
    throw new CliError(CliErrorCode.USAGE, first);
  }
  const lines = [
    `Local network ${fresh ? "created" : "reused"} in ${dir} (chain id ${net.chainId})`,
    ...net.nodes.map(
      (n) =>
        `  ${n.name.padEnd(4)} ${n.role}  RPC ${n.rpc}  WS ${n.ws}${n.validator ? `  validator ${n.validator}` : ""}`,
    ),
    "Funded test accounts:",
    ...net.testAccounts.map((a) => `  ${a.address}  key ${a.privateKey}`),
    "Press Ctrl-C to stop.",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const rpc = net.nodes[0].rpc;
  const start = await blockNumber(rpc);
  while (!stopping) {
    const n = await blockNumber(rpc).catch(() => undefined);
    if (n !== undefined && n > start) {
      process.stdout.write(`Network is producing blocks (head #${n}).\n`);
      break;
    }
    await sleep(250);
  }
  const why = await exited;
  if (!stopping) {
    await stopAll();
    throw new CliError(CliErrorCode.USAGE, why);
  }
}

async function blockNumber(url: string): Promise<number> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
  });
  const body = (await res.json()) as { result?: string };
  if (typeof body.result !== "string") throw new Error("no block number");
  return Number(body.result);
}

/** Polls a node's RPC until it answers; the node process gives no other readiness signal to a parent. */
async function waitForRpc(url: string): Promise<void> {
  for (;;) {
    try {
      await blockNumber(url);
      return;
    } catch {
      await sleep(100);
    }
  }
}

import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { Wallet } from "ethers";
import { afterAll, describe, expect, it } from "vitest";
import { freePortRange, KNODE_BIN, rpcCall, tempDir, waitForBlock } from "./helpers/knodeProcess.js";
import { walletProvider } from "./helpers/walletProvider.js";

interface Localnet {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startLocalnet(dir: string, p2pBase: number, rpcBase: number): Localnet {
  const proc = spawn(
    process.execPath,
    [
      KNODE_BIN,
      "localnet",
      "--cn",
      "1",
      "--pn",
      "0",
      "--en",
      "0",
      "--dir",
      dir,
      "--base-port",
      String(p2pBase),
      "--rpc-base-port",
      String(rpcBase),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return { proc, output: () => out, exited: new Promise((resolve) => proc.once("exit", (code) => resolve(code))) };
}

/** Resolves when the localnet prints `pattern` (it prints its URLs, keys and progress on stdout). */
function waitForOutput(ln: Localnet, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = ln.output().match(pattern);
      if (m) {
        ln.proc.stdout?.off("data", check);
        resolve(m);
      }
    };
    ln.proc.stdout?.on("data", check);
    void ln.exited.then(() => reject(new Error(`localnet exited:\n${ln.output()}`)));
    check();
  });
}

describe("knode localnet", () => {
  const dir = tempDir("knode-localnet-");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("starts, serves a wallet, stops on Ctrl-C and continues its chain on the next run", async () => {
    const p2pBase = await freePortRange(1);
    const rpcBase = await freePortRange(2);
    const first = startLocalnet(dir, p2pBase, rpcBase);
    const [, url] = await waitForOutput(first, /RPC (http:\/\/127\.0\.0\.1:\d+)/);
    const [, , key] = await waitForOutput(first, /(0x[0-9a-f]{40})\s+key (0x[0-9a-f]{64})/);
    await waitForOutput(first, /producing blocks/);

    const provider = walletProvider(url, 1000);
    const wallet = new Wallet(key, provider);
    const to = Wallet.createRandom().address;
    const receipt = await (await wallet.sendTransaction({ to, value: 12345n })).wait();
    expect(receipt?.status).toBe(1);
    const head = await provider.getBlockNumber();
    const hashAtHead = (await provider.getBlock(head))?.hash;

    first.proc.kill("SIGINT");
    expect(await first.exited).toBe(0);
    await expect(rpcCall(url, "eth_blockNumber", [])).rejects.toThrow();

    const second = startLocalnet(dir, p2pBase, rpcBase);
    try {
      await waitForOutput(second, /reused/);
      await waitForOutput(second, /producing blocks/);
      expect((await provider.getBlock(head))?.hash).toBe(hashAtHead);
      expect(await provider.getBalance(to)).toBe(12345n);
      await waitForBlock(url, head + 2);
    } finally {
      provider.destroy();
      second.proc.kill("SIGINT");
      expect(await second.exited).toBe(0);
    }
  });
});

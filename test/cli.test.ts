import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KnodeProcess, runKnode, setupLocalNetwork, tempDir } from "./helpers/knodeProcess.js";

function expectOneLineError(r: { status: number | null; stderr: string }, pattern: RegExp) {
  expect(r.status).not.toBe(0);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe("knode CLI", () => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const c of cleanups) c();
  });

  it("prints its version", () => {
    const r = runKnode(["version"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^knode \d+\.\d+\.\d+/);
  });

  it("ends bad flags with one line and a non-zero exit", () => {
    expectOneLineError(runKnode(["--rpcport", "notaport"]), /rpcport/);
    expectOneLineError(runKnode(["--no-such-flag"]), /unknown option/);
    expectOneLineError(runKnode(["--role", "miner"]), /role/);
    expectOneLineError(runKnode(["--verbosity", "9"]), /verbosity/);
    expectOneLineError(runKnode(["setup", "local", "-o", tempDir()]), /--cn/);
    expectOneLineError(runKnode(["init", "--datadir", tempDir(), "/no/such/genesis.json"]), /cannot read genesis/);
    expectOneLineError(runKnode(["--datadir", tempDir(), "--role", "cn"]), /no genesis|knode init/);
    const conf = path.join(tempDir(), "bad.yaml");
    writeFileSync(conf, "rpcport: banana\n");
    expectOneLineError(runKnode(["--conf", conf]), /rpcport/);
  });

  it("setup local writes network.json, keys and genesis as SPEC §2 describes", async () => {
    const { dir, network, cleanup } = await setupLocalNetwork({ cn: 2, pn: 1, en: 1, testAccounts: 2 });
    cleanups.push(cleanup);
    expect(network.nodes.map((n) => n.name)).toEqual(["cn0", "cn1", "pn0", "en0"]);
    expect(network.nodes.filter((n) => n.validator)).toHaveLength(2);
    expect(network.testAccounts).toHaveLength(2);
    const genesis = JSON.parse(readFileSync(path.join(dir, network.genesis), "utf8"));
    expect(BigInt(genesis.config.chainId)).toBe(1000n);
    expect(genesis.config.governance.governingNode).toBe(network.nodes[0].validator);
    for (const n of network.nodes) {
      expect(n.p2p).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/16Uiu2/);
      expect(n.rpc).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const key = path.join(dir, n.datadir, "klay/nodekey");
      expect(statSync(key).mode & 0o777).toBe(0o600);
      expect(existsSync(path.join(dir, n.datadir, "klay/static-nodes.json"))).toBe(true);
    }
    const enPeers = JSON.parse(readFileSync(path.join(dir, "en0/klay/static-nodes.json"), "utf8")) as string[];
    expect(enPeers).toEqual([network.nodes[2].p2p]);
    for (const a of network.testAccounts)
      expect(BigInt(genesis.alloc[a.address.slice(2)]?.balance ?? genesis.alloc[a.address]?.balance)).toBeGreaterThan(
        0n,
      );
    // init refuses a datadir holding another genesis
    const other = await setupLocalNetwork({ cn: 1 });
    cleanups.push(other.cleanup);
    expectOneLineError(
      runKnode(["init", "--datadir", path.join(dir, "cn0"), path.join(other.dir, "genesis.json")]),
      /genesis/,
    );
  });

  it("manages keystore accounts", () => {
    const datadir = tempDir();
    const pw = path.join(datadir, "pw.txt");
    writeFileSync(pw, "correct horse\n");
    const created = runKnode(["account", "new", "--datadir", datadir, "--password", pw, "--lightkdf"]);
    expect(created.status).toBe(0);
    const address = created.stdout.match(/0x[0-9a-fA-F]{40}/)?.[0].toLowerCase();
    const keyFile = path.join(datadir, "key.hex");
    writeFileSync(keyFile, "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
    const imported = runKnode(["account", "import", "--datadir", datadir, "--password", pw, "--lightkdf", keyFile]);
    expect(imported.status).toBe(0);
    expect(imported.stdout).toContain("2c7536e3605d9c16a7a3d7b1898e529396a65c23");
    const list = runKnode(["account", "list", "--datadir", datadir]);
    expect(list.stdout).toContain(address?.slice(2));
    expect(list.stdout).toContain("2c7536e3605d9c16a7a3d7b1898e529396a65c23");
    for (const f of list.stdout.matchAll(/keystore:\/\/(\S+)/g)) expect(statSync(f[1]).mode & 0o777).toBe(0o600);
    expectOneLineError(runKnode(["account", "import", "--datadir", datadir, "--password", pw, pw]), /private key/);
  });

  it("refuses a locked datadir and a port in use with one line", async () => {
    const { dir, network, cleanup } = await setupLocalNetwork({ cn: 1 });
    cleanups.push(cleanup);
    const node = KnodeProcess.start(dir, network.nodes[0]);
    try {
      await node.ready();
      const again = runKnode(network.nodes[0].args, { cwd: dir });
      expectOneLineError(again, /lock/i);
      const other = await setupLocalNetwork({ cn: 1 });
      cleanups.push(other.cleanup);
      const port = new URL(network.nodes[0].rpc).port;
      const clash = runKnode([...other.network.nodes[0].args, "--rpcport", port], { cwd: other.dir });
      expectOneLineError(clash, /in use|EADDRINUSE/i);
    } finally {
      await node.stop();
    }
  });
});

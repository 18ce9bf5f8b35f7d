import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freshNode,
  KnodeProcess,
  type NetworkInfo,
  type NetworkNodeInfo,
  rpcCall,
  setupLocalNetwork,
  tempDir,
  waitForBlock,
} from "../helpers/knodeProcess.js";
import { walletProvider } from "../helpers/walletProvider.js";

interface Peer {
  id: string;
  role: string;
}
interface Block {
  hash: string;
  stateRoot: string;
}

/**
 * The three roles over real processes: 4 CN + 1 PN + 1 EN in SPEC §5 topology, txs in at the EN, blocks out
 * to it, late and fresh nodes syncing, and CNs refusing peers they must not talk to. One network serves
 * every scenario; a 0.25 s block period makes a hundred blocks cheap.
 */
describe("4 CN + PN + EN network", () => {
  let net: { dir: string; network: NetworkInfo; cleanup: () => void };
  const procs: KnodeProcess[] = [];
  const extraDirs: string[] = [];
  let en: NetworkNodeInfo;
  let pn: NetworkNodeInfo;

  const start = (node: NetworkNodeInfo, extra: string[] = [], dir = net.dir, env?: NodeJS.ProcessEnv) => {
    const p = KnodeProcess.start(dir, node, extra, env);
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    net = await setupLocalNetwork({ cn: 4, pn: 1, en: 1, testAccounts: 2, extra: ["--block-period", "0.25"] });
    en = net.network.nodes.find((n) => n.role === "en") as NetworkNodeInfo;
    pn = net.network.nodes.find((n) => n.role === "pn") as NetworkNodeInfo;
    // The EN is started later, by the sync scenario.
    await Promise.all(net.network.nodes.filter((n) => n.role !== "en").map((n) => start(n).ready()));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop("SIGKILL")));
    net?.cleanup();
    for (const d of extraDirs) rmSync(d, { recursive: true, force: true });
  });

  it("an EN started after 100+ blocks syncs to the head, and talks only to the PN", async () => {
    await waitForBlock(pn.rpc, 100, 90_000);
    const enProc = start(en);
    await enProc.ready();
    const target = Number(await rpcCall<string>(pn.rpc, "eth_blockNumber", []));
    await waitForBlock(en.rpc, target, 60_000);
    const peers = await rpcCall<Peer[]>(en.rpc, "admin_peers", []);
    expect(peers.length).toBeGreaterThan(0);
    expect(peers.every((p) => p.role !== "cn")).toBe(true);
    const byType = await rpcCall<{ cn: number; pn: number }>(en.rpc, "net_peerCountByType", []);
    expect(byType.cn).toBe(0);
    expect(byType.pn).toBe(1);
  });

  it("a tx sent to the EN is included, with the same receipt on every node, and all six agree on every height", async () => {
    const provider = walletProvider(en.rpc, net.network.chainId);
    try {
      const wallet = new Wallet(net.network.testAccounts[0].privateKey, provider);
      const tx = await wallet.sendTransaction({ to: net.network.testAccounts[1].address, value: 4242n });
      const receipt = await tx.wait(1, 30_000);
      expect(receipt?.status).toBe(1);
      const height = receipt?.blockNumber ?? 0;
      for (const n of net.network.nodes) await waitForBlock(n.rpc, height, 30_000);
      const receipts = await Promise.all(
        net.network.nodes.map((n) => rpcCall<Record<string, unknown>>(n.rpc, "eth_getTransactionReceipt", [tx.hash])),
      );
      for (const r of receipts) expect(r).toEqual(receipts[0]);
      for (let h = 1; h <= height; h++) {
        const tag = `0x${h.toString(16)}`;
        const blocks = await Promise.all(
          net.network.nodes.map((n) => rpcCall<Block>(n.rpc, "eth_getBlockByNumber", [tag, false])),
        );
        for (const b of blocks) {
          expect(b.hash).toBe(blocks[0].hash);
          expect(b.stateRoot).toBe(blocks[0].stateRoot);
        }
      }
    } finally {
      provider.destroy();
    }
  });

  it("a fresh EN knowing only the genesis and one bootnode (the PN) joins, syncs and relays a tx", async () => {
    const { node, dir } = await freshNode({
      name: "fresh-en",
      role: "en",
      genesis: path.join(net.dir, net.network.genesis),
      args: ["--bootnodes", pn.p2p],
    });
    extraDirs.push(dir);
    const fresh = start(node, [], dir);
    await fresh.ready();
    const target = Number(await rpcCall<string>(pn.rpc, "eth_blockNumber", []));
    await waitForBlock(node.rpc, target, 60_000);
    const provider = walletProvider(node.rpc, net.network.chainId);
    try {
      const wallet = new Wallet(net.network.testAccounts[1].privateKey, provider);
      const tx = await wallet.sendTransaction({ to: net.network.testAccounts[0].address, value: 7n });
      expect((await tx.wait(1, 30_000))?.status).toBe(1);
      const onCn = await rpcCall<{ status: string } | null>(net.network.nodes[0].rpc, "eth_getTransactionReceipt", [
        tx.hash,
      ]);
      expect(onCn?.status).toBe("0x1");
    } finally {
      provider.destroy();
    }
  });

  it("joins a network by name: --network <preset> initialises from the preset and syncs from its bootnodes", async () => {
    const presets = tempDir("knode-presets-");
    const { node, dir } = await freshNode({
      name: "preset-en",
      role: "en",
      genesis: "",
      init: false,
      args: ["--network", "testnet"],
    });
    extraDirs.push(presets, dir);
    const genesis = JSON.parse(readFileSync(path.join(net.dir, net.network.genesis), "utf8")) as Record<
      string,
      unknown
    >;
    writeFileSync(path.join(presets, "testnet.json"), JSON.stringify({ ...genesis, bootnodes: [pn.p2p] }));
    const joined = start(node, [], dir, { KNODE_PRESETS_DIR: presets });
    await joined.ready();
    const target = Number(await rpcCall<string>(pn.rpc, "eth_blockNumber", []));
    await waitForBlock(node.rpc, target, 60_000);
    const ours = await rpcCall<Block>(node.rpc, "eth_getBlockByNumber", [`0x${target.toString(16)}`, false]);
    const theirs = await rpcCall<Block>(pn.rpc, "eth_getBlockByNumber", [`0x${target.toString(16)}`, false]);
    expect(ours.hash).toBe(theirs.hash);
    await joined.stop("SIGKILL");
  });

  it("a CN refuses an EN and a stranger claiming to be a CN", async () => {
    const cn0 = net.network.nodes[0];
    for (const role of ["en", "cn"]) {
      const { node, dir } = await freshNode({
        name: `intruder-${role}`,
        role: role as "en" | "cn",
        genesis: path.join(net.dir, net.network.genesis),
        args: ["--bootnodes", cn0.p2p, "--nodiscover", "--rpcapi", "eth,net,admin"],
      });
      extraDirs.push(dir);
      const intruder = start(node, [], dir);
      await intruder.ready();
      const id = (await rpcCall<{ id: string }>(node.rpc, "admin_nodeInfo", [])).id;
      // Give the dial and the handshake a few block periods to happen (and be refused).
      const head = Number(await rpcCall<string>(cn0.rpc, "eth_blockNumber", []));
      await waitForBlock(cn0.rpc, head + 8, 30_000);
      const cnPeers = await rpcCall<Peer[]>(cn0.rpc, "admin_peers", []);
      expect(cnPeers.map((p) => p.id)).not.toContain(id);
      expect(await rpcCall<Peer[]>(node.rpc, "admin_peers", [])).toEqual([]);
      await intruder.stop("SIGKILL");
    }
  });
});

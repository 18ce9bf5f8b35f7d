import { rmSync } from "node:fs";
import path from "node:path";
import { hexToBytes, nullLogger } from "@knode/common";
import { randomPrivateKey, sign } from "@knode/crypto";
import { P2PNetwork } from "@knode/p2p";
import { decodeBlock, encodeBlock, proposerSealDigest, rlpEncode, setHeaderSeal } from "@knode/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freshNode,
  KnodeProcess,
  type NetworkInfo,
  type NetworkNodeInfo,
  rpcCall,
  setupLocalNetwork,
  waitForBlock,
} from "../helpers/knodeProcess.js";

/** Polls `probe` (a child process gives no other signal) until it holds, failing after `timeoutMs`. */
async function until(probe: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A peer that claims a far higher head and serves a block whose proposer seal is forged: the syncing EN
 * must refuse the block, drop (ban) that peer, and still reach the head from the honest PN.
 */
describe("sync against a peer serving a forged seal", () => {
  let net: { dir: string; network: NetworkInfo; cleanup: () => void };
  const procs: KnodeProcess[] = [];
  const dirs: string[] = [];
  let attacker: P2PNetwork | undefined;

  beforeAll(async () => {
    net = await setupLocalNetwork({ cn: 1, pn: 1, testAccounts: 1, extra: ["--block-period", "0.25"] });
    for (const n of net.network.nodes) {
      const p = KnodeProcess.start(net.dir, n);
      procs.push(p);
      await p.ready();
    }
  }, 120_000);

  afterAll(async () => {
    await attacker?.close();
    await Promise.all(procs.map((p) => p.stop("SIGKILL")));
    net?.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("bans the forger and syncs from the honest PN", async () => {
    const pn = net.network.nodes.find((n) => n.role === "pn") as NetworkNodeInfo;
    await waitForBlock(pn.rpc, 20, 60_000);
    const genesis = await rpcCall<{ hash: string }>(pn.rpc, "eth_getBlockByNumber", ["0x0", false]);

    const view = (head: () => bigint) => ({
      chainId: BigInt(net.network.chainId),
      genesisHash: hexToBytes(genesis.hash),
      role: "pn" as const,
      head: () => ({ number: head(), hash: head() === 0n ? hexToBytes(genesis.hash) : new Uint8Array(32).fill(0xee) }),
      council: () => [],
    });
    // Genuine blocks 1..10, fetched by a short-lived honest-looking peer, so that the attacker itself never
    // meets the PN (the PN would otherwise learn of the EN through it and race the test).
    const fetcher = new P2PNetwork(
      { nodeKey: randomPrivateKey(), port: 0, noDiscover: true },
      { logger: nullLogger(), chain: view(() => 0n) },
    );
    await fetcher.start();
    const connected = new Promise<string>((resolve) => fetcher.onPeer("connected", (p) => resolve(p.id)));
    fetcher.addPeer(pn.p2p);
    const realBlocks = await fetcher.request(await connected, "blocks_by_range", rlpEncode([1, 10]));
    await fetcher.close();
    expect(realBlocks).toHaveLength(10);

    // The attacker: claims a head far ahead and serves block 1 re-sealed by a stranger, then the genuine rest.
    attacker = new P2PNetwork(
      { nodeKey: randomPrivateKey(), port: 0, noDiscover: true },
      { logger: nullLogger(), chain: view(() => 1_000_000n) },
    );
    let served = 0;
    await attacker.handle("blocks_by_range", async function* () {
      served++;
      const b1 = decodeBlock(realBlocks[0]);
      const forged = setHeaderSeal(b1.header, sign(proposerSealDigest(b1.header), randomPrivateKey()));
      yield encodeBlock({ header: forged, transactions: b1.transactions });
      for (const raw of realBlocks.slice(1)) yield raw;
    });
    await attacker.start();
    const attackerAddr = attacker.nodeInfo().p2p[0];
    const attackerId = attacker.peerId;

    // With the honest PN down, a fresh EN can only sync from the attacker: it must refuse the forged block
    // and drop the attacker.
    const pnIndex = net.network.nodes.indexOf(pn);
    await procs[pnIndex].stop("SIGTERM");
    const fresh = await freshNode({
      name: "syncing-en",
      role: "en",
      genesis: path.join(net.dir, net.network.genesis),
      args: ["--nodiscover", "--bootnodes", `${attackerAddr},${pn.p2p}`, "--rpcapi", "eth,net,admin"],
    });
    dirs.push(fresh.dir);
    const enNode = fresh.node;
    const en = KnodeProcess.start(fresh.dir, enNode);
    procs.push(en);
    await en.ready();
    await until(() => /peer served a bad block/.test(en.log), 30_000, "the EN to refuse the forged block").catch(
      (e) => {
        throw new Error(`${(e as Error).message}\n${en.log.slice(-3000)}`);
      },
    );
    expect(served).toBeGreaterThan(0);
    await until(
      async () => !(await rpcCall<{ id: string }[]>(enNode.rpc, "admin_peers", [])).some((p) => p.id === attackerId),
      10_000,
      "the EN to drop the forger",
    );

    // With the honest PN back and known to it, the EN still reaches the head, with the genuine block 1.
    procs[pnIndex] = KnodeProcess.start(net.dir, pn);
    await procs[pnIndex].ready();
    await rpcCall(enNode.rpc, "admin_addPeer", [pn.p2p]);
    const target = Number(await rpcCall<string>(pn.rpc, "eth_blockNumber", []));
    await waitForBlock(enNode.rpc, target, 60_000);
    const ours = await rpcCall<{ hash: string }>(enNode.rpc, "eth_getBlockByNumber", ["0x1", false]);
    const honest = await rpcCall<{ hash: string }>(pn.rpc, "eth_getBlockByNumber", ["0x1", false]);
    expect(ours.hash).toBe(honest.hash);
    const peers = await rpcCall<{ id: string }[]>(enNode.rpc, "admin_peers", []);
    expect(peers.map((p) => p.id)).not.toContain(attackerId);
  });
});

import { rmSync } from "node:fs";
import path from "node:path";
import { hexToBytes, nullLogger } from "@knode/common";
import { randomPrivateKey, sign } from "@knode/crypto";
import { P2PNetwork } from "@knode/p2p";
import { decodeBlock, encodeBlock, proposerSealDigest, rlpEncode, setHeaderSeal } from "@knode/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePortRange,
  KnodeProcess,
  type NetworkInfo,
  type NetworkNodeInfo,
  rpcCall,
  runKnode,
  setupLocalNetwork,
  tempDir,
  waitForBlock,
} from "../helpers/knodeProcess.js";

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

    // The attacker: an in-process libp2p peer claiming role PN, first honest-looking (head 0) so that it
    // can fetch real blocks from the PN, then claiming a head far ahead.
    let claimedHead = 0n;
    const forgedHeadHash = new Uint8Array(32).fill(0xee);
    attacker = new P2PNetwork(
      { nodeKey: randomPrivateKey(), port: 0, noDiscover: true },
      {
        logger: nullLogger(),
        chain: {
          chainId: BigInt(net.network.chainId),
          genesisHash: hexToBytes(genesis.hash),
          role: "pn",
          head: () => ({ number: claimedHead, hash: claimedHead === 0n ? hexToBytes(genesis.hash) : forgedHeadHash }),
          council: () => [],
        },
      },
    );
    let served = 0;
    let realBlocks: Uint8Array[] = [];
    await attacker.handle("blocks_by_range", async function* () {
      served++;
      // Block 1 re-sealed by a stranger, then the genuine rest.
      const b1 = decodeBlock(realBlocks[0]);
      const stranger = randomPrivateKey();
      const forged = setHeaderSeal(b1.header, sign(proposerSealDigest(b1.header), stranger));
      yield encodeBlock({ header: forged, transactions: b1.transactions });
      for (const raw of realBlocks.slice(1)) yield raw;
    });
    await attacker.start();
    const connected = new Promise<string>((resolve) => attacker?.onPeer("connected", (p) => resolve(p.id)));
    attacker.addPeer(pn.p2p);
    const pnId = await connected;
    realBlocks = await attacker.request(pnId, "blocks_by_range", rlpEncode([1, 10]));
    expect(realBlocks).toHaveLength(10);
    claimedHead = 1_000_000n;
    attacker.announceStatus();
    const attackerAddr = attacker.nodeInfo().p2p[0];
    const attackerId = attacker.peerId;

    // A fresh EN that knows the attacker and the honest PN.
    const dir = tempDir("knode-forged-en-");
    dirs.push(dir);
    expect(runKnode(["init", "--datadir", dir, path.join(net.dir, net.network.genesis)]).status).toBe(0);
    const p2pPort = await freePortRange(1);
    const rpcPort = await freePortRange(1);
    const enNode: NetworkNodeInfo = {
      name: "syncing-en",
      role: "en",
      datadir: dir,
      args: [
        ...["--role", "en", "--datadir", dir, "--port", String(p2pPort), "--nodiscover"],
        ...[
          "--bootnodes",
          `${attackerAddr},${pn.p2p}`,
          "--rpc",
          "--rpcport",
          String(rpcPort),
          "--rpcapi",
          "eth,net,admin",
        ],
      ],
      rpc: `http://127.0.0.1:${rpcPort}`,
      ws: "",
      p2p: "",
    };
    const en = KnodeProcess.start(dir, enNode);
    procs.push(en);
    await en.ready();
    const target = Number(await rpcCall<string>(pn.rpc, "eth_blockNumber", []));
    await waitForBlock(enNode.rpc, target, 60_000);
    const ours = await rpcCall<{ hash: string }>(enNode.rpc, "eth_getBlockByNumber", ["0x1", false]);
    const honest = await rpcCall<{ hash: string }>(pn.rpc, "eth_getBlockByNumber", ["0x1", false]);
    expect(ours.hash).toBe(honest.hash);
    expect(served).toBeGreaterThan(0);
    const peers = await rpcCall<{ id: string }[]>(enNode.rpc, "admin_peers", []);
    expect(peers.map((p) => p.id)).not.toContain(attackerId);
    expect(en.log).toMatch(/peer served a bad block/);
  });
});

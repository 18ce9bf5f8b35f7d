import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { hexToBytes, nullLogger } from "@knode/common";
import { encodeEnvelope, encodePrepare, encodeRoundChange, MessageCode, messageSigningHash } from "@knode/consensus";
import { keccak256, parseAddress, randomPrivateKey, sign } from "@knode/crypto";
import { gossipTopic, P2PNetwork, type PeerRole } from "@knode/p2p";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Cluster, headOf, until } from "../helpers/cluster.js";
import { rpcCall } from "../helpers/knodeProcess.js";

const CONSENSUS_PROTOCOL = "/klay/consensus/1";

/** The direct protocol's framing: an unsigned LEB128 length, then the bytes. */
function frame(data: Uint8Array): Uint8Array {
  const prefix: number[] = [];
  let v = data.length;
  while (v >= 0x80) {
    prefix.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  prefix.push(v);
  const out = new Uint8Array(prefix.length + data.length);
  out.set(prefix);
  out.set(data, prefix.length);
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

interface PeerView {
  address: string;
  id: string;
  role: string;
}

/**
 * A CN attacked from the test process by in-process libp2p peers that speak the protocols but send garbage.
 * The council has four members of which three run (still a quorum), so one attacker can wear the identity
 * of the missing council member and get past the "CNs only" checks.
 */
describe("malformed input from network peers", () => {
  let cluster: Cluster;
  let genesisHash: Uint8Array;
  let council: Uint8Array[];
  let target: string;
  const nets: P2PNetwork[] = [];
  const chainId = 1000n;

  async function startPeer(role: PeerRole, nodeKey = randomPrivateKey()): Promise<P2PNetwork> {
    const head = { number: 0n, hash: genesisHash };
    const net = new P2PNetwork(
      { nodeKey, host: "127.0.0.1", port: 0, gossipHeartbeatMs: 200, handshakeTimeoutMs: 3_000 },
      { logger: nullLogger(), chain: { chainId, genesisHash, role, head: () => head, council: () => council } },
    );
    nets.push(net);
    await net.start();
    const connected = new Promise<void>((resolve) =>
      net.onPeer("connected", (p) => {
        if (p.id === target) resolve();
      }),
    );
    net.addPeer(cluster.node(0).p2p);
    await withTimeout(connected, 15_000, `${role} attacker handshake with cn0`);
    return net;
  }

  const peersOfCn0 = () => rpcCall<PeerView[]>(cluster.url(0), "admin_peers", []);

  /** Sends one bad message at a time until cn0 hangs up on the attacker; returns how many it took. */
  async function sendUntilDropped(net: P2PNetwork, send: (n: number) => Promise<void>, max = 12): Promise<number> {
    let dropped = false;
    const gone = new Promise<void>((resolve) =>
      net.onPeer("disconnected", (p) => {
        if (p.id === target) resolve();
      }),
    ).then(() => {
      dropped = true;
    });
    let sent = 0;
    while (!dropped && sent < max) {
      await send(sent++);
      await Promise.race([gone, new Promise((r) => setTimeout(r, 300))]);
    }
    await withTimeout(gone, 5_000, "cn0 to drop the attacker");
    return sent;
  }

  /** cn0 no longer lists the attacker, does not take it back, keeps its CN peers and keeps committing. */
  async function expectDroppedAndCommitting(attacker: P2PNetwork): Promise<void> {
    await until("cn0 to forget the attacker", 5_000, async () =>
      (await peersOfCn0()).some((p) => p.id === attacker.peerId) ? undefined : true,
    );
    // The attacker's static dialer keeps redialling; a ban keeps it out while blocks go on.
    const head = await headOf(cluster.url(0));
    await until(`block ${head + 3}`, 20_000, async () =>
      (await headOf(cluster.url(0))) >= head + 3 ? true : undefined,
    );
    const peers = await peersOfCn0();
    expect(peers.map((p) => p.id)).not.toContain(attacker.peerId);
    expect(peers.filter((p) => p.role === "cn").map((p) => p.id)).toEqual(
      expect.arrayContaining([cluster.peerId(1), cluster.peerId(2)]),
    );
  }

  async function waitSubscribed(net: P2PNetwork, kind: "block" | "tx"): Promise<void> {
    const topic = gossipTopic(chainId, kind);
    await until(`cn0 subscribed to ${kind} in the attacker's view`, 10_000, async () =>
      net.libp2p.services.pubsub.getSubscribers(topic).some((p) => p.toString() === target) ? true : undefined,
    );
  }

  beforeAll(async () => {
    cluster = await Cluster.create({ cn: 4, testAccounts: 1 });
    await cluster.start([0, 1, 2]);
    target = cluster.peerId(0);
    await until("block 2", 30_000, async () => ((await headOf(cluster.url(0))) >= 2 ? true : undefined));
    const genesis = await rpcCall<{ hash: string }>(cluster.url(0), "eth_getBlockByNumber", ["0x0", false]);
    genesisHash = hexToBytes(genesis.hash);
    council = (await rpcCall<string[]>(cluster.url(0), "istanbul_getValidators", [])).map(parseAddress);
  }, 90_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === "fail") console.error(cluster?.diagnostics());
  });

  afterAll(async () => {
    await Promise.all(nets.map((n) => n.close()));
    await cluster?.close();
  });

  it("an honest PN is admitted and stays connected (the control for what follows)", async () => {
    const honest = await startPeer("pn");
    const peers = await peersOfCn0();
    expect(peers.find((p) => p.id === honest.peerId)?.role).toBe("pn");
  }, 30_000);

  it("random bytes on the block topic: the PN is dropped and the CN keeps committing", async () => {
    const attacker = await startPeer("pn");
    await waitSubscribed(attacker, "block");
    const sent = await sendUntilDropped(attacker, async () => {
      await attacker.publish("block", randomBytes(300));
    });
    expect(sent).toBeGreaterThan(1);
    await expectDroppedAndCommitting(attacker);
  }, 60_000);

  it("bad RLP on the tx topic: the PN is dropped and the CN keeps committing", async () => {
    const attacker = await startPeer("pn");
    await waitSubscribed(attacker, "tx");
    const sent = await sendUntilDropped(attacker, async (n) => {
      // A long-list header that promises far more bytes than follow, then a list of non-transactions.
      const bad =
        n % 2 === 0 ? Uint8Array.of(0xf9, 0xff, 0xff, ...randomBytes(40)) : Uint8Array.of(0xc3, 0xc2, 0xc1, n);
      await attacker.publish("tx", bad);
    });
    expect(sent).toBeGreaterThan(1);
    await expectDroppedAndCommitting(attacker);
  }, 60_000);

  it("a direct consensus message from a non-CN: refused, the sender dropped", async () => {
    const attacker = await startPeer("pn");
    const conn = attacker.libp2p.getConnections().find((c) => c.remotePeer.toString() === target);
    if (conn === undefined) throw new Error("attacker has no connection to cn0");
    const stream = await conn.newStream(CONSENSUS_PROTOCOL);
    const sent = await sendUntilDropped(attacker, async () => {
      stream.send(frame(randomBytes(120)));
    });
    expect(sent).toBeGreaterThan(0);
    await expectDroppedAndCommitting(attacker);
  }, 60_000);

  it("consensus messages signed by a stranger, from a council member's identity: dropped", async () => {
    // The fourth council member is not running: the attacker uses its node key, so cn0 takes it for a CN.
    const cn3Key = readFileSync(path.join(cluster.dir, cluster.node(3).datadir, "klay", "nodekey"), "utf8").trim();
    const attacker = await startPeer("cn", hexToBytes(cn3Key.startsWith("0x") ? cn3Key : `0x${cn3Key}`));
    // The attacker's side of the handshake can finish before cn0 has listed it: wait for cn0's view.
    await until("cn0 to list the attacker as a CN", 5_000, async () =>
      (await peersOfCn0()).find((p) => p.id === attacker.peerId)?.role === "cn" ? true : undefined,
    );
    const stranger = randomPrivateKey();
    const sent = await sendUntilDropped(attacker, async (n) => {
      // The height cn0 is deciding, so the message is judged now rather than backlogged; a later round than
      // cn0's (round changes only within the few future rounds a CN is willing to judge).
      const height = BigInt(await headOf(cluster.url(0))) + 1n;
      const [code, payload] =
        n % 2 === 0
          ? [MessageCode.Prepare, encodePrepare(height, 100, keccak256(randomBytes(32)))]
          : [MessageCode.RoundChange, encodeRoundChange(height, 2)];
      const envelope = encodeEnvelope(code, payload, sign(messageSigningHash(code, payload), stranger));
      expect(attacker.sendDirect([target], "consensus", envelope)).toBe(1);
    });
    expect(sent).toBeGreaterThan(1);
    await expectDroppedAndCommitting(attacker);
  }, 60_000);

  it("the honest PN is still connected after all that", async () => {
    const honest = nets[0];
    expect((await peersOfCn0()).map((p) => p.id)).toContain(honest.peerId);
    expect(honest.peers().map((p) => p.id)).toContain(target);
  });
});

import { nullLogger } from "@knode/common";
import { privateKeyToAddress, randomPrivateKey } from "@knode/crypto";
import {
  type GossipKind,
  type P2PChainView,
  type P2PInitOptions,
  P2PNetwork,
  type PeerEvent,
  type PeerInfo,
  type PeerRole,
} from "../src/index.js";

export const GENESIS = new Uint8Array(32).fill(7);

export interface TestChain extends P2PChainView {
  setHead(number: bigint): void;
  councilList: Uint8Array[];
}

export function testChain(
  role: PeerRole,
  over: Partial<{ chainId: bigint; genesisHash: Uint8Array; council: Uint8Array[] }> = {},
): TestChain {
  let head = { number: 0n, hash: new Uint8Array(32).fill(1) };
  const chain: TestChain = {
    chainId: over.chainId ?? 1000n,
    genesisHash: over.genesisHash ?? GENESIS,
    role,
    councilList: over.council ?? [],
    head: () => head,
    council: () => chain.councilList,
    setHead(number: bigint) {
      const hash = new Uint8Array(32);
      new DataView(hash.buffer).setBigUint64(24, number);
      head = { number, hash };
    },
  };
  return chain;
}

export interface TestNode {
  net: P2PNetwork;
  chain: TestChain;
  key: Uint8Array;
  address: Uint8Array;
  addr: string;
}

/** Options that make tests fast: quick gossip heartbeats and short timeouts. */
export const FAST: Partial<P2PInitOptions> = {
  port: 0,
  gossipHeartbeatMs: 100,
  handshakeTimeoutMs: 3_000,
  statusPollMs: 100,
  redialMinMs: 100,
  redialMaxMs: 1_000,
  discoveryIntervalMs: 300,
};

export class Nodes {
  private readonly all: TestNode[] = [];

  async start(
    role: PeerRole,
    o: { key?: Uint8Array; chain?: TestChain; opts?: Partial<P2PInitOptions> } = {},
  ): Promise<TestNode> {
    const key = o.key ?? randomPrivateKey();
    const chain = o.chain ?? testChain(role);
    const net = new P2PNetwork({ ...FAST, ...o.opts, nodeKey: key }, { logger: nullLogger(), chain });
    await net.start();
    const node: TestNode = { net, chain, key, address: privateKeyToAddress(key), addr: net.nodeInfo().p2p[0] };
    this.all.push(node);
    return node;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((n) => n.net.close()));
  }
}

/** Resolves on the first `event` for which `match` holds. */
export function nextPeerEvent(
  net: P2PNetwork,
  event: PeerEvent,
  match: (p: PeerInfo) => boolean = () => true,
): Promise<PeerInfo> {
  return new Promise((resolve) => {
    const off = net.onPeer(event, (p) => {
      if (!match(p)) return;
      off();
      resolve(p);
    });
  });
}

/** Resolves once `id` is a handshaked peer of `net`, including when it already is. */
export function waitPeer(net: P2PNetwork, id: string): Promise<PeerInfo> {
  const now = net.peers().find((p) => p.id === id);
  return now !== undefined ? Promise.resolve(now) : nextPeerEvent(net, "connected", (p) => p.id === id);
}

export function hasPeer(net: P2PNetwork, id: string): boolean {
  return net.peers().some((p) => p.id === id);
}

export function connectedTo(net: P2PNetwork, id: string): boolean {
  return net.libp2p.getConnections().some((c) => c.remotePeer.toString() === id);
}

export type Received = { kind: GossipKind; data: Uint8Array; from: string };

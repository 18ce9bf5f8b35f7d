export type PeerRole = "cn" | "pn" | "en";

export const PEER_ROLES: readonly PeerRole[] = ["cn", "pn", "en"];

/** What the network needs to know about the local chain; implemented by the node over its chain. */
export interface P2PChainView {
  chainId: bigint;
  genesisHash: Uint8Array;
  role: PeerRole;
  head(): { number: bigint; hash: Uint8Array };
  /** Current council addresses (20 bytes): a CN accepts a peer claiming CN only if it is in there. */
  council(): Uint8Array[];
}

export interface PeerHead {
  number: bigint;
  hash: Uint8Array;
}

export interface PeerInfo {
  id: string;
  role: PeerRole;
  /** Address derived from the peer's secp256k1 key, authenticated by the noise handshake. */
  address: Uint8Array;
  remoteAddress: string;
  head: PeerHead;
  direction: "inbound" | "outbound";
}

export type GossipKind = "consensus" | "block" | "tx";

/** Drain order of the validation queues: consensus first, txs last. */
export const GOSSIP_KINDS: readonly GossipKind[] = ["consensus", "block", "tx"];

export type Verdict = "accept" | "ignore" | "reject";

export type MessageHandler = (data: Uint8Array, from: PeerInfo) => Promise<Verdict>;

export type DirectProtocol = "consensus";

export type RequestHandler = (body: Uint8Array, from: PeerInfo) => AsyncIterable<Uint8Array>;

/** Tolerance of the offence: fatal bans at once; a low-tolerance offence costs more than a high-tolerance one. */
export type PenaltySeverity = "fatal" | "low" | "mid" | "high";

export type PeerEvent = "connected" | "disconnected" | "status";

export type PeerListener = (peer: PeerInfo) => void;

export interface NodeInfo {
  id: string;
  role: PeerRole;
  p2p: string[];
}

export interface P2PStats {
  peersConnected: number;
  handshakesOk: number;
  handshakesFailed: number;
  gossipReceived: number;
  gossipAccepted: number;
  gossipIgnored: number;
  gossipRejected: number;
  gossipDropped: number;
  gossipPublished: number;
  directSent: number;
  directReceived: number;
  directDropped: number;
  requestsSent: number;
  requestsServed: number;
  requestsRateLimited: number;
  requestsFailed: number;
  penalties: number;
  bans: number;
  dials: number;
  dialFailures: number;
  discoveredPeers: number;
}

export function emptyStats(): P2PStats {
  return {
    peersConnected: 0,
    handshakesOk: 0,
    handshakesFailed: 0,
    gossipReceived: 0,
    gossipAccepted: 0,
    gossipIgnored: 0,
    gossipRejected: 0,
    gossipDropped: 0,
    gossipPublished: 0,
    directSent: 0,
    directReceived: 0,
    directDropped: 0,
    requestsSent: 0,
    requestsServed: 0,
    requestsRateLimited: 0,
    requestsFailed: 0,
    penalties: 0,
    bans: 0,
    dials: 0,
    dialFailures: 0,
    discoveredPeers: 0,
  };
}

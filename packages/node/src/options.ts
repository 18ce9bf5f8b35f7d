import { availableParallelism } from "node:os";

export type NodeRole = "cn" | "pn" | "en";

export interface RpcEndpointOptions {
  enabled: boolean;
  addr: string;
  port: number;
  /** Namespaces served, e.g. ["klay", "eth", "net", "web3"]. */
  api: string[];
}

/** Everything a running node is configured with; the CLI maps flags (SPEC §2) onto this. */
export interface NodeOptions {
  datadir: string;
  role: NodeRole;
  networkId?: bigint;
  port: number;
  bootnodes: string[];
  nodiscover: boolean;
  maxConnections: number;
  /** Path of a file holding the hex node key; defaults to DATADIR/klay/nodekey (created if missing). */
  nodekeyFile?: string;
  nodekeyHex?: string;
  /** Where block rewards and tips go; defaults to the node key's address. */
  rewardbase?: string;
  rpc: RpcEndpointOptions;
  ws: RpcEndpointOptions;
  corsDomains: string[];
  vhosts: string[];
  metrics: { enabled: boolean; port: number };
  txpool: Record<string, number>;
  /** Signature-recovery worker threads; 0 recovers on the main thread (MainThreadSigVerifier). */
  sigWorkers: number;
  /** Overrides the genesis block period (ms); tests only. */
  blockPeriodMs?: number;
  /** Base of the round timeout (ms): a round lasts base + base/10 · 2^round. Klaytn's default is 10 s. */
  roundTimeoutMs?: number;
}

/** Klaytn's defaults (SPEC §2). */
export const defaultNodeOptions: NodeOptions = {
  datadir: "",
  role: "en",
  port: 32323,
  bootnodes: [],
  nodiscover: false,
  maxConnections: 100,
  rpc: { enabled: false, addr: "127.0.0.1", port: 8551, api: ["klay", "eth", "net", "web3"] },
  ws: { enabled: false, addr: "127.0.0.1", port: 8552, api: ["klay", "eth", "net", "web3"] },
  corsDomains: [],
  vhosts: ["localhost"],
  metrics: { enabled: false, port: 61001 },
  txpool: {},
  // One core stays with the main thread (EVM, networking, consensus).
  sigWorkers: Math.max(1, availableParallelism() - 1),
};

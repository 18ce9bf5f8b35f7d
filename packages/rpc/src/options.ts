export interface RpcServerOptions {
  host: string;
  /** null disables HTTP; 0 picks a free port (tests). */
  httpPort: number | null;
  /** null or absent disables WebSocket. */
  wsPort?: number | null;
  /** Namespaces served (`eth`, `klay`, `net`, `web3`, `txpool`, ...); others answer "does not exist". */
  modules: string[];
  /** Namespaces served over WebSocket (`--wsapi`); defaults to `modules`. */
  wsModules?: string[];
  /** Allowed browser origins; `*` allows any. Empty sends no CORS headers (geth). */
  corsDomains: string[];
  /** Host names accepted in the Host header (DNS-rebinding guard); `*` accepts any. IPs always pass. */
  vhosts: string[];
  maxBatch: number;
  maxBodyBytes: number;
  callTimeoutMs: number;
  /** Gas cap for eth_call / eth_estimateGas (geth's --rpc.gascap default, 50M). */
  gasCap: bigint;
  getLogsBlockRange: number;
  getLogsMaxResults: number;
}

export const defaultRpcServerOptions: RpcServerOptions = {
  host: "127.0.0.1",
  httpPort: 8551,
  wsPort: null,
  modules: ["klay", "eth", "net", "web3"],
  corsDomains: [],
  vhosts: ["localhost"],
  maxBatch: 1000,
  // SPEC §6: bodies capped at 5 MiB.
  maxBodyBytes: 5 * 1024 * 1024,
  callTimeoutMs: 5000,
  gasCap: 50_000_000n,
  getLogsBlockRange: 10000,
  getLogsMaxResults: 10000,
};

/** The limits handlers read per call; the server fills them from its options. */
export type RpcLimits = Pick<RpcServerOptions, "callTimeoutMs" | "gasCap" | "getLogsBlockRange" | "getLogsMaxResults">;

import { readFileSync } from "node:fs";
import path from "node:path";
import { hexToBytes } from "@knode/common";
import { addressToHex, privateKeyToAddress } from "@knode/crypto";
import { KnodeProcess, type NetworkInfo, type NetworkNodeInfo, setupLocalNetwork } from "./knodeProcess.js";

/** Base round timeout for cluster tests: a round lasts base + base/10·2^round, so round changes stay short. */
export const ROUND_TIMEOUT_MS = 2_000;

export interface RpcBlock {
  number: string;
  hash: string;
  parentHash: string;
  stateRoot: string;
  transactions: unknown[];
}

/** klay_getBlockWithConsensusInfoByNumber: the block plus who proposed and sealed it, and in which round. */
export interface ConsensusBlock extends RpcBlock {
  proposer: string;
  committee: string[];
  committers: string[];
  round: number;
}

interface RpcReply {
  id: number;
  result?: unknown;
  error?: { code: number; message: string };
}

/** One JSON-RPC batch: a node is another process, so fewer round trips keep long chain comparisons cheap. */
export async function rpcBatch<T>(url: string, calls: [method: string, params: unknown[]][]): Promise<T[]> {
  if (calls.length === 0) return [];
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(calls.map(([method, params], id) => ({ jsonrpc: "2.0", id, method, params }))),
  });
  const replies = (await res.json()) as RpcReply[];
  const out = new Array<T>(calls.length);
  for (const r of replies) {
    if (r.error) throw new Error(`${calls[r.id][0]}: ${r.error.message}`);
    out[r.id] = r.result as T;
  }
  return out;
}

const quantity = (n: number) => `0x${n.toString(16)}`;

export async function headOf(url: string): Promise<number> {
  const [n] = await rpcBatch<string>(url, [["eth_blockNumber", []]]);
  return Number(n);
}

export function blocksOf(url: string, from: number, to: number): Promise<RpcBlock[]> {
  const calls: [string, unknown[]][] = [];
  for (let n = from; n <= to; n++) calls.push(["eth_getBlockByNumber", [quantity(n), false]]);
  return rpcBatch<RpcBlock>(url, calls);
}

export function consensusBlocksOf(url: string, from: number, to: number): Promise<ConsensusBlock[]> {
  const calls: [string, unknown[]][] = [];
  for (let n = from; n <= to; n++) calls.push(["klay_getBlockWithConsensusInfoByNumber", [quantity(n)]]);
  return rpcBatch<ConsensusBlock>(url, calls);
}

/**
 * Polls `probe` until it returns a value (not undefined) or the deadline passes. Probe errors count as "not
 * yet" (a node may be restarting) and the last one is reported on timeout.
 */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
}

/** Where two nodes' chains differ over a range: hash or state root, by height. */
export async function chainDifferences(urls: string[], from: number, to: number): Promise<string[]> {
  const chains = await Promise.all(urls.map((u) => blocksOf(u, from, to)));
  const out: string[] = [];
  for (let i = 0; i <= to - from; i++) {
    const ref = chains[0][i];
    if (ref === null || ref === undefined) {
      out.push(`${urls[0]} has no block ${from + i}`);
      continue;
    }
    if (i > 0 && ref.parentHash !== chains[0][i - 1]?.hash) out.push(`${urls[0]} block ${from + i} breaks the chain`);
    for (let k = 1; k < chains.length; k++) {
      const b = chains[k][i];
      if (b?.hash !== ref.hash || b?.stateRoot !== ref.stateRoot) {
        out.push(
          `block ${from + i}: ${urls[k]} has ${b?.hash}/${b?.stateRoot}, ${urls[0]} has ${ref.hash}/${ref.stateRoot}`,
        );
      }
    }
  }
  return out;
}

/** Round changes and pace over a range, from the consensus info and the header timestamps. */
export async function roundStats(url: string, from: number, to: number) {
  const blocks = await consensusBlocksOf(url, from, to);
  const withRoundChange = blocks.filter((b) => b.round > 0).map((b) => Number(b.number));
  const seconds = (b: ConsensusBlock & { timestamp?: string; timestampFoS?: string }) =>
    Number(b.timestamp ?? 0) + Number(b.timestampFoS ?? 0) / 100;
  const span = seconds(blocks[blocks.length - 1]) - seconds(blocks[0]);
  return {
    blocks: blocks.length,
    withRoundChange,
    roundChangesPer100: (withRoundChange.length * 100) / blocks.length,
    blocksPerSecond: span > 0 ? (blocks.length - 1) / span : Number.NaN,
  };
}

/** A `knode setup local` network whose nodes are started, killed and restarted by index. */
export class Cluster {
  private readonly procs = new Map<number, KnodeProcess>();

  private constructor(
    readonly dir: string,
    readonly network: NetworkInfo,
    private readonly cleanupDir: () => void,
    private readonly extraArgs: string[],
  ) {}

  static async create(opts: { cn: number; validators?: number; testAccounts?: number }): Promise<Cluster> {
    const extra = opts.validators === undefined ? [] : ["--validators", String(opts.validators)];
    const net = await setupLocalNetwork({ cn: opts.cn, testAccounts: opts.testAccounts ?? 2, extra });
    return new Cluster(net.dir, net.network, net.cleanup, ["--istanbul.timeout", String(ROUND_TIMEOUT_MS)]);
  }

  node(i: number): NetworkNodeInfo {
    return this.network.nodes[i];
  }

  url(i: number): string {
    return this.network.nodes[i].rpc;
  }

  urls(indices: number[]): string[] {
    return indices.map((i) => this.url(i));
  }

  /** The node's own address (from its nodekey): network.json lists it only for genesis validators. */
  address(i: number): string {
    const hex = readFileSync(path.join(this.dir, this.node(i).datadir, "klay", "nodekey"), "utf8").trim();
    return addressToHex(privateKeyToAddress(hexToBytes(hex.startsWith("0x") ? hex : `0x${hex}`)));
  }

  indexOfAddress(address: string): number {
    return this.network.nodes.findIndex((_, i) => this.address(i) === address.toLowerCase());
  }

  peerId(i: number): string {
    return this.node(i).p2p.split("/p2p/")[1];
  }

  /** Starts the nodes together (a CN waits for council peers before it decides) and waits for their RPC. */
  async start(indices: number[]): Promise<void> {
    for (const i of indices) {
      if (this.procs.has(i)) throw new Error(`${this.node(i).name} is already running`);
      this.procs.set(i, KnodeProcess.start(this.dir, this.node(i), this.extraArgs));
    }
    await Promise.all(indices.map((i) => this.procs.get(i)?.ready(45_000)));
  }

  async kill(indices: number[], signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await Promise.all(
      indices.map(async (i) => {
        const p = this.procs.get(i);
        this.procs.delete(i);
        await p?.stop(signal);
      }),
    );
  }

  /** Kills every node and removes the network directory; safe to call after a failed start. */
  async close(): Promise<void> {
    await this.kill([...this.procs.keys()]);
    this.cleanupDir();
  }

  /** The end of every running node's output, for the failure message. */
  diagnostics(chars = 4_000): string {
    return [...this.procs.entries()]
      .map(([i, p]) => `----- ${this.node(i).name} -----\n${p.log.slice(-chars)}`)
      .join("\n");
  }
}

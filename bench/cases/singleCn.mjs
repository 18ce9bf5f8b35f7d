import { bytesToHex, hexToBytes } from "@knode/common";
import { privateKeyToAddress } from "@knode/crypto";
import { signTransaction } from "@knode/types";
import { localNetwork, peakRssMb, percentile, rpc, startNode, waitReady } from "./harness.mjs";

/**
 * One CN: pre-signed value transfers from many senders, sent with eth_sendRawTransaction in JSON-RPC
 * batches; committed TPS from block timestamps, latency from submit to the block that holds the tx.
 */
export async function singleCn({ txs, senders, batch }) {
  const net = await localNetwork({ cn: 1, testAccounts: senders });
  const node = net.network.nodes[0];
  const cn = startNode(net.dir, node);
  try {
    await waitReady(node.rpc);
    const chainId = BigInt(net.network.chainId);
    const gasPrice = BigInt(await rpc(node.rpc, "eth_gasPrice"));
    const keys = net.network.testAccounts.map((a) => hexToBytes(a.privateKey));
    const to = privateKeyToAddress(keys[0]);
    const perSender = Math.ceil(txs / keys.length);
    const load = [];
    for (let n = 0; n < perSender; n++) {
      for (const key of keys) {
        if (load.length >= txs) break;
        const tx = signTransaction(
          {
            type: 0,
            chainId,
            nonce: BigInt(n),
            gasPrice,
            maxFeePerGas: gasPrice,
            maxPriorityFeePerGas: gasPrice,
            gasLimit: 21000n,
            to,
            value: 1n,
            data: new Uint8Array(0),
            accessList: [],
          },
          key,
        );
        load.push({ raw: bytesToHex(tx.raw), hash: bytesToHex(tx.hash) });
      }
    }
    const submitted = new Map();
    const startHead = Number(await rpc(node.rpc, "eth_blockNumber"));
    const t0 = Date.now();
    const sending = (async () => {
      for (let i = 0; i < load.length; i += batch) {
        const slice = load.slice(i, i + batch);
        const now = Date.now();
        for (const t of slice) submitted.set(t.hash, now);
        const body = slice.map((t, j) => ({
          jsonrpc: "2.0",
          id: j,
          method: "eth_sendRawTransaction",
          params: [t.raw],
        }));
        await fetch(node.rpc, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      }
    })();
    const latencies = [];
    const blockTimes = [];
    let included = 0;
    let seen = startHead;
    const deadline = t0 + 120_000 + txs * 5;
    while (included < load.length && Date.now() < deadline) {
      const head = Number(await rpc(node.rpc, "eth_blockNumber"));
      for (let n = seen + 1; n <= head; n++) {
        const b = await rpc(node.rpc, "klay_getBlockByNumber", [`0x${n.toString(16)}`, false]);
        const now = Date.now();
        const ms = Number(b.timestamp) * 1000 + Number(b.timestampFoS ?? 0) * 10;
        blockTimes.push({ n, ms, txs: b.transactions.length });
        for (const h of b.transactions) {
          const s = submitted.get(typeof h === "string" ? h : h.hash);
          if (s !== undefined) {
            latencies.push(now - s);
            included++;
          }
        }
      }
      seen = head;
      await new Promise((r) => setTimeout(r, 50));
    }
    await sending;
    const withTxs = blockTimes.filter((b) => b.txs > 0);
    const first = blockTimes.find((b) => b.n === withTxs[0]?.n - 1) ?? blockTimes[0];
    const last = withTxs[withTxs.length - 1];
    const spanMs = last && first ? last.ms - first.ms : 1;
    const intervals = blockTimes.slice(1).map((b, i) => b.ms - blockTimes[i].ms);
    const exec = cn.blocks
      .filter((b) => Number(b.number) > startHead && b.txs > 0 && typeof b.execMs === "number")
      .map((b) => b.execMs);
    latencies.sort((a, b) => a - b);
    return {
      case: "single-cn",
      txs: load.length,
      included,
      committedTps: included / (spanMs / 1000),
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      meanBlockIntervalMs: Math.round(intervals.reduce((a, b) => a + b, 0) / Math.max(1, intervals.length)),
      blocksWithTxs: withTxs.length,
      maxTxsPerBlock: Math.max(0, ...withTxs.map((b) => b.txs)),
      execMsPerBlockMean: Math.round(exec.reduce((a, b) => a + b, 0) / Math.max(1, exec.length)),
      execMsPerBlockMax: Math.max(0, ...exec),
      peakRssMb: peakRssMb(cn.proc.pid),
    };
  } finally {
    await cn.stop();
    net.cleanup();
  }
}

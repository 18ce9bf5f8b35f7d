import { bytesToHex, hexToBytes } from "@knode/common";
import { privateKeyToAddress } from "@knode/crypto";
import { signTransaction } from "@knode/types";
import { localNetwork, peakRssMb, percentile, rpc, startNode, waitReady } from "./harness.mjs";

/**
 * 4 CN + 1 PN + 1 EN: pre-signed transfers sent to the EN only, so every tx travels EN → PN → CN by gossip
 * and every block CN → PN → EN. Latency is submit-to-receipt as the EN sees it.
 */
export async function localnet4({ txs, senders, batch }) {
  const net = await localNetwork({ cn: 4, pn: 1, en: 1, testAccounts: senders });
  const procs = net.network.nodes.map((n) => ({ node: n, proc: startNode(net.dir, n) }));
  const en = net.network.nodes.find((n) => n.role === "en");
  try {
    await Promise.all(net.network.nodes.map((n) => waitReady(n.rpc)));
    // Let the council connect and decide a couple of blocks before loading it.
    const first = Number(await rpc(en.rpc, "eth_blockNumber"));
    while (Number(await rpc(en.rpc, "eth_blockNumber")) < first + 2) await new Promise((r) => setTimeout(r, 100));
    const chainId = BigInt(net.network.chainId);
    const gasPrice = BigInt(await rpc(en.rpc, "eth_gasPrice"));
    const keys = net.network.testAccounts.map((a) => hexToBytes(a.privateKey));
    const to = privateKeyToAddress(keys[0]);
    const load = [];
    for (let n = 0; load.length < txs; n++) {
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
    let rejected = 0;
    const startHead = Number(await rpc(en.rpc, "eth_blockNumber"));
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
        const res = await fetch(en.rpc, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        for (const r of await res.json()) if (r.error) rejected++;
      }
    })();
    const latencies = [];
    const blocks = [];
    let included = 0;
    let seen = startHead;
    const deadline = t0 + 60_000 + txs * 5;
    while (included + rejected < load.length && Date.now() < deadline) {
      const head = Number(await rpc(en.rpc, "eth_blockNumber"));
      for (let n = seen + 1; n <= head; n++) {
        const b = await rpc(en.rpc, "klay_getBlockByNumber", [`0x${n.toString(16)}`, false]);
        const now = Date.now();
        blocks.push({
          n,
          ms: Number(b.timestamp) * 1000 + Number(b.timestampFoS ?? 0) * 10,
          txs: b.transactions.length,
        });
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
    const withTxs = blocks.filter((b) => b.txs > 0);
    const before = blocks.find((b) => b.n === (withTxs[0]?.n ?? 0) - 1) ?? blocks[0];
    const last = withTxs[withTxs.length - 1];
    const spanMs = last && before ? Math.max(1, last.ms - before.ms) : 1;
    const intervals = blocks.slice(1).map((b, i) => b.ms - blocks[i].ms);
    const cnLogs = procs.filter((p) => p.node.role === "cn").flatMap((p) => p.proc.blocks);
    const exec = cnLogs.filter((b) => b.txs > 0 && typeof b.execMs === "number").map((b) => b.execMs);
    latencies.sort((a, b) => a - b);
    return {
      case: "localnet-4cn",
      txs: load.length,
      included,
      rejected,
      committedTps: included / (spanMs / 1000),
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      meanBlockIntervalMs: Math.round(intervals.reduce((a, b) => a + b, 0) / Math.max(1, intervals.length)),
      blocksWithTxs: withTxs.length,
      maxTxsPerBlock: Math.max(0, ...withTxs.map((b) => b.txs)),
      execMsPerBlockMean: Math.round(exec.reduce((a, b) => a + b, 0) / Math.max(1, exec.length)),
      execMsPerBlockMax: Math.max(0, ...exec),
      peakRssMb: Math.max(...procs.map((p) => peakRssMb(p.proc.proc.pid) ?? 0)),
    };
  } finally {
    await Promise.all(procs.map((p) => p.proc.stop()));
    net.cleanup();
  }
}

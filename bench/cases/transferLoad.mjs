import { bytesToHex, hexToBytes } from "@knode/common";
import { privateKeyToAddress } from "@knode/crypto";
import { signTransaction } from "@knode/types";
import { percentile, rpc } from "./harness.mjs";

/** A signed plain value transfer (legacy type, 21 000 gas) as raw hex plus its hash. */
export function signTransfer(key, nonce, chainId, gasPrice, to) {
  const tx = signTransaction(
    {
      type: 0,
      chainId,
      nonce,
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
  return { raw: bytesToHex(tx.raw), hash: bytesToHex(tx.hash) };
}

/** `count` transfers spread round-robin over the test accounts (nonce n from every sender, then n+1). */
export async function presignTransfers(net, url, count) {
  const chainId = BigInt(net.network.chainId);
  const gasPrice = BigInt(await rpc(url, "eth_gasPrice"));
  const keys = net.network.testAccounts.map((a) => hexToBytes(a.privateKey));
  const to = privateKeyToAddress(keys[0]);
  const load = [];
  for (let n = 0n; load.length < count; n++) {
    for (const key of keys) {
      if (load.length >= count) break;
      load.push(signTransfer(key, n, chainId, gasPrice, to));
    }
  }
  return load;
}

/**
 * Sends `load` to `url` in JSON-RPC batches and watches the blocks `url` reports until every accepted tx is
 * in one: committed TPS from block timestamps (first block with load to the last), latency from submit to
 * the moment the including block was seen, and the mean block interval.
 */
export async function runTransferLoad(url, load, batch) {
  const submitted = new Map();
  let rejected = 0;
  const startHead = Number(await rpc(url, "eth_blockNumber"));
  const sending = (async () => {
    for (let i = 0; i < load.length; i += batch) {
      const slice = load.slice(i, i + batch);
      const now = Date.now();
      for (const t of slice) submitted.set(t.hash, now);
      const body = slice.map((t, id) => ({ jsonrpc: "2.0", id, method: "eth_sendRawTransaction", params: [t.raw] }));
      const res = await fetch(url, {
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
  const deadline = Date.now() + 60_000 + load.length * 5;
  while (included + rejected < load.length && Date.now() < deadline) {
    const head = Number(await rpc(url, "eth_blockNumber"));
    for (let n = seen + 1; n <= head; n++) {
      const b = await rpc(url, "klay_getBlockByNumber", [`0x${n.toString(16)}`, false]);
      const now = Date.now();
      blocks.push({ n, ms: Number(b.timestamp) * 1000 + Number(b.timestampFoS ?? 0) * 10, txs: b.transactions.length });
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
  latencies.sort((a, b) => a - b);
  return {
    startHead,
    result: {
      txs: load.length,
      included,
      rejected,
      committedTps: included / (spanMs / 1000),
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      meanBlockIntervalMs: Math.round(intervals.reduce((a, b) => a + b, 0) / Math.max(1, intervals.length)),
      blocksWithTxs: withTxs.length,
      maxTxsPerBlock: Math.max(0, ...withTxs.map((b) => b.txs)),
    },
  };
}

/** Mean and max execution time of the blocks with transactions, from the nodes' "committed block" lines. */
export function execStats(logBlocks, startHead) {
  const exec = logBlocks
    .filter((b) => Number(b.number) > startHead && b.txs > 0 && typeof b.execMs === "number")
    .map((b) => b.execMs);
  return {
    execMsPerBlockMean: Math.round(exec.reduce((a, b) => a + b, 0) / Math.max(1, exec.length)),
    execMsPerBlockMax: Math.max(0, ...exec),
  };
}

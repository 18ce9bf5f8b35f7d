import { readFileSync } from "node:fs";
import path from "node:path";
import { bytesToHex, hexToBytes } from "@knode/common";
import { parseGenesis, signTransaction } from "@knode/types";
import { percentile, rpc } from "./harness.mjs";

const EMPTY = new Uint8Array(0);

/** A signed legacy tx priced at `gasPrice`, as raw hex plus its hash; `body` is { to, value, gasLimit, data }. */
export function signLegacy(key, nonce, chainId, gasPrice, body) {
  const tx = signTransaction(
    {
      type: 0,
      chainId,
      nonce,
      gasPrice,
      maxFeePerGas: gasPrice,
      maxPriorityFeePerGas: gasPrice,
      accessList: [],
      ...body,
    },
    key,
  );
  return { raw: bytesToHex(tx.raw), hash: bytesToHex(tx.hash) };
}

/**
 * `count` txs spread round-robin over the test accounts (nonce n from every sender, then n+1), priced at the
 * genesis unit price (the chain's constant base fee) so that signing can overlap the nodes' start.
 * `buildTx(i, recipients)` gives the i-th tx's { to, value, gasLimit, data }; `recipients` are the test
 * accounts' addresses.
 */
export function presignTxs(net, count, buildTx) {
  const chainId = BigInt(net.network.chainId);
  const genesis = parseGenesis(readFileSync(path.join(net.dir, net.network.genesis), "utf8"));
  const gasPrice = genesis.config.unitPrice;
  const keys = net.network.testAccounts.map((a) => hexToBytes(a.privateKey));
  const recipients = net.network.testAccounts.map((a) => hexToBytes(a.address));
  const load = [];
  for (let n = 0n; load.length < count; n++) {
    for (const key of keys) {
      if (load.length >= count) break;
      load.push(signLegacy(key, n, chainId, gasPrice, buildTx(load.length, recipients)));
    }
  }
  return load;
}

/** `count` plain value transfers (21 000 gas, 1 peb each), all to the first test account. */
export function presignTransfers(net, count) {
  return presignTxs(net, count, (_i, recipients) => ({
    to: recipients[0],
    value: 1n,
    gasLimit: 21000n,
    data: EMPTY,
  }));
}

/**
 * Sends `load` to `url` in JSON-RPC batches and watches the blocks `url` reports until every accepted tx is
 * in one: committed TPS from block timestamps (first block with load to the last), latency from submit to
 * the moment the including block was seen, and the mean block interval. With `rate` (tx/s) the batches are
 * paced at that offered load instead of sent back to back.
 */
export async function runTransferLoad(url, load, batch, rate) {
  const submitted = new Map();
  let rejected = 0;
  let firstError;
  const startHead = Number(await rpc(url, "eth_blockNumber"));
  const blocks = [await blockTime(url, startHead)];
  const t0 = Date.now();
  const sending = (async () => {
    for (let i = 0; i < load.length; i += batch) {
      // Paced: batch k leaves at t0 + k·batch/rate (never early; late batches go at once).
      if (rate) {
        const due = t0 + (i / rate) * 1000;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      const slice = load.slice(i, i + batch);
      const now = Date.now();
      for (const t of slice) submitted.set(t.hash, now);
      const body = slice.map((t, id) => ({ jsonrpc: "2.0", id, method: "eth_sendRawTransaction", params: [t.raw] }));
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      for (const r of await res.json()) {
        if (!r.error) continue;
        rejected++;
        firstError ??= r.error.message;
      }
    }
  })();
  const latencies = [];
  let included = 0;
  let seen = startHead;
  const deadline = Date.now() + 60_000 + load.length * 5;
  while (included + rejected < load.length && Date.now() < deadline) {
    const head = Number(await rpc(url, "eth_blockNumber"));
    for (let n = seen + 1; n <= head; n++) {
      const b = await blockTime(url, n);
      const now = Date.now();
      blocks.push(b);
      for (const h of b.hashes) {
        const s = submitted.get(h);
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
  if (rejected > 0) throw new Error(`${rejected} of ${load.length} txs refused, first: ${firstError}`);
  if (included < load.length) throw new Error(`only ${included} of ${load.length} txs included before the deadline`);
  // Blocks after the start head only: the start head may hold txs of an earlier load.
  const withTxs = blocks.filter((b) => b.n > startHead && b.txs > 0);
  const before = blocks.find((b) => b.n === (withTxs[0]?.n ?? 0) - 1) ?? blocks[0];
  const last = withTxs[withTxs.length - 1];
  const spanMs = last && before ? Math.max(1, last.ms - before.ms) : 1;
  const intervals = blocks.slice(1).map((b, i) => b.ms - blocks[i].ms);
  latencies.sort((a, b) => a - b);
  const steady = steadyRate(withTxs);
  return {
    startHead,
    result: {
      txs: load.length,
      offeredTps: rate ?? null,
      included,
      rejected,
      committedTps: included / (spanMs / 1000),
      ...steady,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      meanBlockIntervalMs: Math.round(intervals.reduce((a, b) => a + b, 0) / Math.max(1, intervals.length)),
      blocksWithTxs: withTxs.length,
      maxTxsPerBlock: Math.max(0, ...withTxs.map((b) => b.txs)),
    },
  };
}

/**
 * Committed TPS while the network was loaded: the blocks strictly between the first and the last block
 * holding load (their ramp-up and drain left out), over the chain time they span. A short run's overall
 * figure understates this, since its first and last blocks are partly empty. Null under three such blocks.
 */
function steadyRate(withTxs) {
  const middle = withTxs.slice(1, -1);
  if (middle.length < 3) return { steadyTps: null, steadyBlocks: middle.length };
  const spanMs = middle[middle.length - 1].ms - withTxs[0].ms;
  const txs = middle.reduce((a, b) => a + b.txs, 0);
  return { steadyTps: Math.round(txs / (spanMs / 1000)), steadyBlocks: middle.length };
}

/** A block's time in ms (seconds plus Klaytn's 10 ms fractions) and its tx hashes. */
async function blockTime(url, n) {
  const b = await rpc(url, "klay_getBlockByNumber", [`0x${n.toString(16)}`, false]);
  const hashes = b.transactions.map((h) => (typeof h === "string" ? h : h.hash));
  return { n, ms: Number(b.timestamp) * 1000 + Number(b.timestampFoS ?? 0) * 10, txs: hashes.length, hashes };
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

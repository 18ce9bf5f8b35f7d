import { localNetwork, phaseTimer, rpc, startNode, waitForHead, waitReady } from "./harness.mjs";
import { presignTransfers } from "./transferLoad.mjs";

/**
 * Sync speed: a CN (behind a PN) builds a chain of `blocks` blocks at a 0.1 s period with `txs` transfers
 * spread over its first part; then an EN starts from genesis and catches up through the PN, re-executing
 * everything. Reports blocks/s and tx/s re-executed, from the EN's first RPC answer to it reaching the head.
 */
export async function syncSpeed({ txs, senders, blocks }) {
  const timer = phaseTimer();
  const net = await localNetwork({ cn: 1, pn: 1, en: 1, testAccounts: senders, blockPeriod: 0.1 });
  timer.mark("setup");
  const [cnNode, pnNode, enNode] = net.network.nodes;
  const cn = startNode(net.dir, cnNode);
  const pn = startNode(net.dir, pnNode);
  let en;
  try {
    // Signed while the nodes boot.
    const load = presignTransfers(net, txs);
    timer.mark("presign");
    await Promise.all([waitReady(cnNode.rpc), waitReady(pnNode.rpc)]);
    timer.mark("start");
    // About one batch per block over the first 70% of the chain, so the tail is there when the EN starts.
    const perTick = Math.ceil(txs / Math.max(1, Math.floor(blocks * 0.7)));
    let sent = 0;
    while (sent < txs || Number(await rpc(cnNode.rpc, "eth_blockNumber")) < blocks) {
      if (sent < txs) {
        const batch = load.slice(sent, sent + perTick);
        sent += batch.length;
        const res = await fetch(cnNode.rpc, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(
            batch.map((t, id) => ({ jsonrpc: "2.0", id, method: "eth_sendRawTransaction", params: [t.raw] })),
          ),
        });
        const refused = (await res.json()).filter((r) => r.error);
        if (refused.length) throw new Error(`sync: ${refused.length} txs refused: ${refused[0].error.message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // The chain may need a few more blocks for the last batch: count until the whole load is in.
    let head = 0;
    let chainTxs = 0;
    const deadline = Date.now() + 30_000;
    while (chainTxs < txs) {
      const now = Number(await rpc(cnNode.rpc, "eth_blockNumber"));
      for (; head < now; head++) {
        const n = `0x${(head + 1).toString(16)}`;
        chainTxs += Number(await rpc(cnNode.rpc, "eth_getBlockTransactionCountByNumber", [n]));
      }
      if (chainTxs >= txs) break;
      if (Date.now() > deadline) {
        const pool = await rpc(cnNode.rpc, "txpool_status").catch(() => ({}));
        throw new Error(`sync: ${chainTxs} of ${txs} txs in ${head} blocks; txpool ${JSON.stringify(pool)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (chainTxs !== txs) throw new Error(`sync: ${chainTxs} txs in the chain, ${txs} sent`);
    timer.mark("buildChain");
    en = startNode(net.dir, enNode);
    await waitReady(enNode.rpc);
    timer.mark("enStart");
    const t0 = performance.now();
    await waitForHead(enNode.rpc, head);
    const seconds = (performance.now() - t0) / 1000;
    timer.mark("catchUp");
    return {
      case: "sync",
      blocks: head,
      txs: chainTxs,
      seconds: Number(seconds.toFixed(2)),
      blocksPerSec: Math.round(head / seconds),
      txPerSec: Math.round(chainTxs / seconds),
      phasesMs: timer.phasesMs,
    };
  } finally {
    await Promise.all([cn.stop(), pn.stop(), en?.stop()]);
    net.cleanup();
  }
}

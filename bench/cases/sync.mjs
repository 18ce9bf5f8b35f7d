import { hexToBytes } from "@knode/common";
import { privateKeyToAddress } from "@knode/crypto";
import { localNetwork, rpc, startNode, waitReady } from "./harness.mjs";
import { signTransfer } from "./transferLoad.mjs";

/**
 * Sync speed: a CN (behind a PN) builds a chain of `blocks` blocks at a 0.1 s period with transfers in
 * them; then an EN starts from genesis and catches up through the PN, re-executing everything. Reports
 * blocks/s and tx/s re-executed, from the EN's first RPC answer to it reaching the head.
 */
export async function syncSpeed({ txs, senders, blocks = 400 }) {
  const net = await localNetwork({ cn: 1, pn: 1, en: 1, testAccounts: senders, blockPeriod: 0.1 });
  const [cnNode, pnNode, enNode] = net.network.nodes;
  const cn = startNode(net.dir, cnNode);
  const pn = startNode(net.dir, pnNode);
  let en;
  try {
    await Promise.all([waitReady(cnNode.rpc), waitReady(pnNode.rpc)]);
    const chainId = BigInt(net.network.chainId);
    const gasPrice = BigInt(await rpc(cnNode.rpc, "eth_gasPrice"));
    const keys = net.network.testAccounts.map((a) => hexToBytes(a.privateKey));
    const to = privateKeyToAddress(keys[0]);
    // Spread the load over the chain: one batch per few blocks until `txs` are in.
    let sent = 0;
    let nonce = 0n;
    while (Number(await rpc(cnNode.rpc, "eth_blockNumber")) < blocks) {
      if (sent < txs) {
        const batch = keys.map((key) => signTransfer(key, nonce, chainId, gasPrice, to).raw);
        nonce++;
        sent += batch.length;
        await fetch(cnNode.rpc, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(
            batch.map((raw, id) => ({ jsonrpc: "2.0", id, method: "eth_sendRawTransaction", params: [raw] })),
          ),
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const head = Number(await rpc(cnNode.rpc, "eth_blockNumber"));
    let chainTxs = 0;
    for (let n = 1; n <= head; n++)
      chainTxs += Number(await rpc(cnNode.rpc, "eth_getBlockTransactionCountByNumber", [`0x${n.toString(16)}`]));
    en = startNode(net.dir, enNode);
    await waitReady(enNode.rpc);
    const t0 = performance.now();
    while (Number(await rpc(enNode.rpc, "eth_blockNumber")) < head) await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - t0) / 1000;
    return {
      case: "sync",
      blocks: head,
      txs: chainTxs,
      seconds: Number(seconds.toFixed(2)),
      blocksPerSec: Math.round(head / seconds),
      txPerSec: Math.round(chainTxs / seconds),
    };
  } finally {
    await Promise.all([cn.stop(), pn.stop(), en?.stop()]);
    net.cleanup();
  }
}

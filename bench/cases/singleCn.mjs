import { localNetwork, peakRssMb, startNode, waitReady } from "./harness.mjs";
import { execStats, presignTransfers, runTransferLoad } from "./transferLoad.mjs";

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
    const load = await presignTransfers(net, node.rpc, txs);
    const { startHead, result } = await runTransferLoad(node.rpc, load, batch);
    return { case: "single-cn", ...result, ...execStats(cn.blocks, startHead), peakRssMb: peakRssMb(cn.proc.pid) };
  } finally {
    await cn.stop();
    net.cleanup();
  }
}

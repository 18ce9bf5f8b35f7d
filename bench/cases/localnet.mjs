import { localNetwork, peakRssMb, rpc, startNode, waitReady } from "./harness.mjs";
import { execStats, presignTransfers, runTransferLoad } from "./transferLoad.mjs";

/**
 * 4 CN + 1 PN + 1 EN: pre-signed transfers sent to the EN only, so every tx travels EN → PN → CN by gossip
 * and every block CN → PN → EN. Latency is submit-to-receipt as the EN sees it.
 */
export async function localnet4({ txs, senders, batch }) {
  const net = await localNetwork({ cn: 4, pn: 1, en: 1, testAccounts: senders });
  const procs = net.network.nodes.map((node) => ({ node, proc: startNode(net.dir, node) }));
  const en = net.network.nodes.find((n) => n.role === "en");
  try {
    await Promise.all(net.network.nodes.map((n) => waitReady(n.rpc)));
    // Let the council connect and decide a couple of blocks before loading it.
    const first = Number(await rpc(en.rpc, "eth_blockNumber"));
    while (Number(await rpc(en.rpc, "eth_blockNumber")) < first + 2) await new Promise((r) => setTimeout(r, 100));
    const load = await presignTransfers(net, en.rpc, txs);
    const { startHead, result } = await runTransferLoad(en.rpc, load, batch);
    const cnBlocks = procs.filter((p) => p.node.role === "cn").flatMap((p) => p.proc.blocks);
    return {
      case: "localnet-4cn",
      ...result,
      ...execStats(cnBlocks, startHead),
      peakRssMb: Math.max(...procs.map((p) => peakRssMb(p.proc.proc.pid) ?? 0)),
    };
  } finally {
    await Promise.all(procs.map((p) => p.proc.stop()));
    net.cleanup();
  }
}

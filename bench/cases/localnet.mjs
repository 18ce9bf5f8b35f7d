import { localNetwork, peakRssMb, phaseTimer, startNode, waitForHead, waitReady } from "./harness.mjs";
import { execStats, presignTransfers, runTransferLoad } from "./transferLoad.mjs";

/**
 * 4 CN + 1 PN + 1 EN: pre-signed transfers sent to the EN only, so every tx travels EN → PN → CN by gossip
 * and every block CN → PN → EN, offered at a steady `rate`. Latency is submit-to-receipt as the EN sees it.
 */
export async function localnet4({ txs, senders, batch, rate }) {
  const timer = phaseTimer();
  const net = await localNetwork({ cn: 4, pn: 1, en: 1, testAccounts: senders });
  timer.mark("setup");
  const procs = net.network.nodes.map((node) => ({ node, proc: startNode(net.dir, node) }));
  const en = net.network.nodes.find((n) => n.role === "en");
  try {
    // Signed while the nodes boot.
    const load = presignTransfers(net, txs);
    timer.mark("presign");
    await Promise.all(net.network.nodes.map((n) => waitReady(n.rpc)));
    timer.mark("start");
    // The council has connected and decided, and the EN hears of it through the PN: the whole path is up.
    // Two more blocks let the network settle (gossip meshes formed at a heartbeat, caches warm) first.
    await waitForHead(en.rpc, 3);
    timer.mark("firstBlock");
    const { startHead, result } = await runTransferLoad(en.rpc, load, batch, rate);
    timer.mark("load");
    const cnBlocks = procs.filter((p) => p.node.role === "cn").flatMap((p) => p.proc.blocks);
    return {
      case: "localnet-4cn",
      ...result,
      ...execStats(cnBlocks, startHead),
      peakRssMb: Math.max(...procs.map((p) => peakRssMb(p.proc.proc.pid) ?? 0)),
      phasesMs: timer.phasesMs,
    };
  } finally {
    await Promise.all(procs.map((p) => p.proc.stop()));
    net.cleanup();
  }
}

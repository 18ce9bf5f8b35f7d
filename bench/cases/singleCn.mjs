import { bytesToHex, hexToBytes } from "@knode/common";
import { FUNDING, seededRandom } from "./execBlocks.mjs";
import { localNetwork, peakRssMb, phaseTimer, rpcBatch, startNode, waitReady } from "./harness.mjs";
import { TOKEN, tokenAlloc, transferCalldata } from "./token.mjs";
import { execStats, presignTransfers, presignTxs, runTransferLoad } from "./transferLoad.mjs";

/**
 * One CN: pre-signed value transfers from many senders, sent with eth_sendRawTransaction in JSON-RPC
 * batches; committed TPS from block timestamps, latency from submit to the block that holds the tx.
 */
export async function singleCn({ txs, senders, batch }) {
  return runSingleCn("single-cn", { senders, batch }, { presign: (net) => presignTransfers(net, txs) });
}

/** Receipts checked after the ERC-20 load: enough to catch a token that did not run, cheap to fetch. */
const RECEIPT_SAMPLE = 50;

/**
 * single-cn with ERC-20 `transfer(to, amount)` calls instead of value transfers: the genesis holds the token
 * (bench/fixtures/erc20.json) with a balance for every sender, each tx pays a random test account. A sample
 * of receipts must show success and the one Transfer event, or the case fails.
 */
export async function singleCnErc20({ txs, senders, batch }) {
  const rand = seededRandom(3);
  const token = bytesToHex(TOKEN);
  return runSingleCn(
    "single-cn-erc20",
    { senders, batch },
    {
      extraAlloc: (network) =>
        tokenAlloc(
          network.testAccounts.map((a) => hexToBytes(a.address)),
          FUNDING,
        ),
      presign: (net) =>
        presignTxs(net, txs, (i, recipients) => ({
          to: TOKEN,
          value: 0n,
          gasLimit: 100_000n,
          data: transferCalldata(recipients[Math.floor(rand() * recipients.length)], 1n + BigInt(i % 1000)),
        })),
      check: async (url, load) => {
        const sample = Array.from(
          { length: Math.min(RECEIPT_SAMPLE, load.length) },
          () => load[Math.floor(rand() * load.length)].hash,
        );
        const receipts = await rpcBatch(
          url,
          sample.map((h) => ["eth_getTransactionReceipt", [h]]),
        );
        receipts.forEach((r, k) => {
          if (r?.status !== "0x1" || r.logs.length !== 1 || r.logs[0].address.toLowerCase() !== token) {
            throw new Error(
              `single-cn-erc20: receipt of ${sample[k]}: status ${r?.status}, logs ${JSON.stringify(r?.logs ?? null)}`,
            );
          }
        });
      },
    },
  );
}

async function runSingleCn(name, { senders, batch }, { extraAlloc, presign, check }) {
  const timer = phaseTimer();
  const net = await localNetwork({ cn: 1, testAccounts: senders, extraAlloc });
  timer.mark("setup");
  const node = net.network.nodes[0];
  const cn = startNode(net.dir, node);
  try {
    // Signed while the node boots.
    const load = presign(net);
    timer.mark("presign");
    await waitReady(node.rpc);
    timer.mark("start");
    const { startHead, result } = await runTransferLoad(node.rpc, load, batch);
    timer.mark("load");
    if (check) {
      await check(node.rpc, load);
      timer.mark("check");
    }
    return {
      case: name,
      ...result,
      ...execStats(cn.blocks, startHead),
      peakRssMb: peakRssMb(cn.proc.pid),
      phasesMs: timer.phasesMs,
    };
  } finally {
    await cn.stop();
    net.cleanup();
  }
}

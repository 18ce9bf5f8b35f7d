import { createServer, type Server } from "node:http";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The node's metrics, one registry, every name prefixed `knode_`. */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly headNumber = new Gauge({
    name: "knode_chain_head_number",
    help: "Number of the head block",
    registers: [this.registry],
  });
  readonly blocksCommitted = new Counter({
    name: "knode_chain_blocks_total",
    help: "Blocks written",
    registers: [this.registry],
  });
  readonly txsCommitted = new Counter({
    name: "knode_chain_txs_total",
    help: "Transactions in written blocks",
    registers: [this.registry],
  });
  readonly poolPending = new Gauge({
    name: "knode_txpool_pending",
    help: "Executable transactions in the pool",
    registers: [this.registry],
  });
  readonly poolQueued = new Gauge({
    name: "knode_txpool_queued",
    help: "Future transactions in the pool",
    registers: [this.registry],
  });
  readonly blockInterval = new Histogram({
    name: "knode_chain_block_interval_seconds",
    help: "Time between consecutive head blocks",
    buckets: [0.25, 0.5, 0.9, 1, 1.1, 1.5, 2, 5, 10],
    registers: [this.registry],
  });
  readonly txBatchesDropped = new Counter({
    name: "knode_net_tx_batches_dropped_total",
    help: "Gossiped tx batches dropped unread because signature recovery was saturated (peers resend)",
    registers: [this.registry],
  });
  readonly blockSenders = new Counter({
    name: "knode_block_senders_total",
    help: "Senders of imported or proposed block txs: recovered in a batch, or reused from the txpool",
    labelNames: ["source"] as const,
    registers: [this.registry],
  });
  private server: Server | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "knode_" });
  }

  async listen(host: string, port: number): Promise<void> {
    const server = createServer(async (req, res) => {
      if (req.url !== "/metrics") {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": this.registry.contentType });
      res.end(await this.registry.metrics());
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

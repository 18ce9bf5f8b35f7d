import { randomBytes } from "node:crypto";
import { bytesToHex, type Logger } from "@knode/common";
import type { Block, StoredReceipt } from "@knode/types";
import type { WebSocket } from "ws";
import type { Dispatcher } from "./dispatcher.js";
import { serverError } from "./errors.js";
import type { Json } from "./format/common.js";
import { ethFormatter } from "./format/ethFormat.js";
import { klayFormatter } from "./format/klayFormat.js";
import { collectBlockLogs } from "./methods/logFilter.js";
import type { RpcContext, SubscriptionHost, SubscriptionKind } from "./methodTable.js";
import type { RpcLimits } from "./options.js";
import type { LogFilter } from "./validators.js";

interface Subscription {
  kind: SubscriptionKind;
  flavor: "eth" | "klay";
  filter: LogFilter | undefined;
}

// A client this far behind on notifications is not reading; geth drops such subscribers too.
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
// Bounds the memory one connection can pin with subscriptions.
const MAX_SUBSCRIPTIONS = 1000;

/** One WebSocket client: runs its requests in order and holds its subscriptions. */
export class WsConnection implements SubscriptionHost {
  private readonly subs = new Map<string, Subscription>();
  private queue: Promise<void> = Promise.resolve();
  private readonly ctx: RpcContext;

  constructor(
    private readonly ws: WebSocket,
    private readonly dispatcher: Dispatcher,
    limits: RpcLimits,
    private readonly logger: Logger,
  ) {
    this.ctx = { transport: "ws", limits, logger, subscriptions: this };
    ws.on("message", (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString("utf8") : data.toString();
      // Serialised so a client's stream of sendRawTransaction reaches the pool in order.
      this.queue = this.queue.then(() => this.process(text));
    });
  }

  private async process(text: string): Promise<void> {
    try {
      const out = await this.dispatcher.handleText(text, this.ctx);
      if (out !== undefined) this.send(out);
    } catch (err) {
      this.logger.error({ err }, "WebSocket request failed");
    }
  }

  private send(text: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.logger.warn("dropping WebSocket client that stopped reading");
      this.ws.terminate();
      return;
    }
    this.ws.send(text);
  }

  subscribe(kind: SubscriptionKind, flavor: "eth" | "klay", filter: LogFilter | undefined): string {
    if (this.subs.size >= MAX_SUBSCRIPTIONS) throw serverError("too many subscriptions");
    const id = bytesToHex(randomBytes(16));
    this.subs.set(id, { kind, flavor, filter });
    return id;
  }

  unsubscribe(id: string): boolean {
    return this.subs.delete(id);
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  private notify(id: string, flavor: "eth" | "klay", result: unknown): void {
    this.send(
      JSON.stringify({ jsonrpc: "2.0", method: `${flavor}_subscription`, params: { subscription: id, result } }),
    );
  }

  /** Fans a committed block out to this client's subscriptions; heads are formatted once per flavor. */
  onBlock(block: Block, hash: Uint8Array, receipts: StoredReceipt[], heads: Map<string, Json>): void {
    for (const [id, sub] of this.subs) {
      if (sub.kind === "newHeads") {
        let head = heads.get(sub.flavor);
        if (!head) {
          head = (sub.flavor === "eth" ? ethFormatter : klayFormatter).header(block.header, hash);
          heads.set(sub.flavor, head);
        }
        this.notify(id, sub.flavor, head);
      } else if (sub.filter) {
        const logs: Json[] = [];
        const h = block.header;
        collectBlockLogs(
          sub.filter,
          {
            blockHash: hash,
            blockNumber: h.number,
            timestamp: h.timestamp,
            transactions: block.transactions,
            receipts,
          },
          logs,
        );
        for (const log of logs) this.notify(id, sub.flavor, log);
      }
    }
  }

  close(): void {
    this.subs.clear();
    this.ws.terminate();
  }
}

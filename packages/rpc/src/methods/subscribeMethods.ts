import { invalidParams, RpcError, serverError } from "../errors.js";
import { type MethodTable, method, type SubscriptionKind } from "../methodTable.js";
import { type LogFilter, optional, ParamError, parseLogFilter, rawValue } from "../validators.js";

// geth's notificationsUnsupportedError code.
const NOTIFICATIONS_UNSUPPORTED = -32601;

function parseKind(v: unknown): SubscriptionKind {
  if (v === "newHeads" || v === "logs") return v;
  throw new ParamError(`no ${JSON.stringify(v)} subscription in eth namespace`);
}

/** eth_subscribe / eth_unsubscribe for one namespace; only WebSocket connections can hold them. */
export function subscribeMethods(flavor: "eth" | "klay"): MethodTable {
  return {
    subscribe: method([{ optional: false, parse: parseKind }, optional(rawValue)], ([kind, rawFilter], ctx) => {
      if (!ctx.subscriptions) throw new RpcError(NOTIFICATIONS_UNSUPPORTED, "notifications not supported");
      let filter: LogFilter | undefined;
      try {
        filter = kind === "logs" ? parseLogFilter(rawFilter ?? {}) : undefined;
      } catch (err) {
        if (err instanceof ParamError) throw invalidParams(`invalid argument 1: ${err.message}`);
        throw err;
      }
      return ctx.subscriptions.subscribe(kind, flavor, filter);
    }),
    unsubscribe: method([rawValue], ([id], ctx) => {
      if (!ctx.subscriptions) throw new RpcError(NOTIFICATIONS_UNSUPPORTED, "notifications not supported");
      if (typeof id !== "string" || !ctx.subscriptions.unsubscribe(id)) throw serverError("subscription not found");
      return true;
    }),
  };
}

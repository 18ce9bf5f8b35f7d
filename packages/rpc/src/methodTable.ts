import type { Logger } from "@knode/common";
import type { RpcLimits } from "./options.js";
import type { LogFilter, ParamSpec } from "./validators.js";

export type SubscriptionKind = "newHeads" | "logs";

/** What a WebSocket connection offers to eth_subscribe / eth_unsubscribe. */
export interface SubscriptionHost {
  subscribe(kind: SubscriptionKind, flavor: "eth" | "klay", filter: LogFilter | undefined): string;
  unsubscribe(id: string): boolean;
}

export interface RpcContext {
  transport: "http" | "ws";
  limits: RpcLimits;
  logger: Logger;
  /** Present on WebSocket connections only. */
  subscriptions?: SubscriptionHost;
}

export interface MethodDef {
  params: readonly ParamSpec<unknown>[];
  handler(args: unknown[], ctx: RpcContext): unknown;
}

export type MethodTable = Record<string, MethodDef>;

type ParamValues<P extends readonly ParamSpec<unknown>[]> = {
  [K in keyof P]: P[K] extends ParamSpec<infer T> ? T : never;
};

/** Declares a method whose handler receives its parameters already validated and typed. */
export function method<const P extends readonly ParamSpec<unknown>[]>(
  params: P,
  handler: (args: ParamValues<P>, ctx: RpcContext) => unknown,
): MethodDef {
  return { params, handler: handler as MethodDef["handler"] };
}

/** The namespace a method belongs to, used for `--rpcapi` filtering. */
export function methodModule(name: string): string {
  const i = name.indexOf("_");
  return i < 0 ? name : name.slice(0, i);
}

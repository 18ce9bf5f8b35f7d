import { request } from "node:http";
import { nullLogger } from "@knode/common";
import { buildMethodTable } from "../src/buildMethodTable.js";
import type { MethodTable } from "../src/methodTable.js";
import type { RpcServerOptions } from "../src/options.js";
import { RpcServer } from "../src/rpcServer.js";
import { FakeBackend } from "./fakeBackend.js";

export interface RpcReply {
  jsonrpc: string;
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: string };
}

export interface Harness {
  server: RpcServer;
  backend: FakeBackend;
  httpUrl: string;
  wsUrl?: string;
  rpc(method: string, params?: unknown[]): Promise<RpcReply>;
  post(body: string, headers?: Record<string, string>): Promise<Response>;
}

export async function startServer(
  opts: Partial<RpcServerOptions> = {},
  backend = new FakeBackend(),
  extra: MethodTable = {},
): Promise<Harness> {
  const methods = { ...buildMethodTable(backend), ...extra };
  const server = new RpcServer({ httpPort: 0, ...opts }, { logger: nullLogger(), methods, backend });
  const { httpUrl, wsUrl } = await server.start();
  if (!httpUrl) throw new Error("no http endpoint");
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(httpUrl, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const rpc = async (method: string, params: unknown[] = []) => {
    const res = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }));
    return (await res.json()) as RpcReply;
  };
  return { server, backend, httpUrl, wsUrl, rpc, post };
}

/** A raw request with a chosen Host header (fetch will not let us set it). */
export function requestWithHost(url: string, host: string, body: string): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: u.hostname,
        port: u.port,
        method: "POST",
        path: "/",
        headers: { host, "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

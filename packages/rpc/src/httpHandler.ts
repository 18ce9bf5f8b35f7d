import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import type { Logger } from "@knode/common";
import type { Dispatcher } from "./dispatcher.js";
import type { RpcContext } from "./methodTable.js";

export interface HttpHandlerOptions {
  corsDomains: readonly string[];
  vhosts: readonly string[];
  maxBodyBytes: number;
}

const JSON_TYPES = new Set(["application/json", "application/json-rpc", "application/jsonrequest"]);
// How much of an oversized body we read and discard so the client sees a clean 413; past this we hang up.
const DRAIN_FACTOR = 4;

/** Host header without port; "" when absent. Handles `[::1]:8551`. */
export function hostWithoutPort(host: string | undefined): string {
  if (!host) return "";
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end < 0 ? host : host.slice(1, end);
  }
  const colon = host.lastIndexOf(":");
  return colon >= 0 && host.indexOf(":") === colon ? host.slice(0, colon) : host;
}

/**
 * geth's virtual-host rule: it guards against DNS rebinding, so requests addressed by IP always pass;
 * names must be listed, or `*` accepts any.
 */
export function vhostAllowed(hostHeader: string | undefined, vhosts: readonly string[]): boolean {
  const host = hostWithoutPort(hostHeader).toLowerCase();
  if (host === "" || isIP(host) !== 0) return true;
  return vhosts.some((v) => v === "*" || v.toLowerCase() === host);
}

function corsOrigin(origin: string | undefined, domains: readonly string[]): string | undefined {
  if (!origin || domains.length === 0) return undefined;
  if (domains.includes("*")) return "*";
  return domains.some((d) => d.toLowerCase() === origin.toLowerCase()) ? origin : undefined;
}

function send(res: ServerResponse, status: number, body: string, contentType = "text/plain"): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

export function createHttpHandler(
  opts: HttpHandlerOptions,
  dispatcher: Dispatcher,
  ctx: RpcContext,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const allowOrigin = corsOrigin(req.headers.origin, opts.corsDomains);
    if (allowOrigin) {
      res.setHeader("access-control-allow-origin", allowOrigin);
      res.setHeader("vary", "Origin");
    }
    if (req.method === "OPTIONS") {
      if (allowOrigin) {
        res.setHeader("access-control-allow-methods", "POST, GET, OPTIONS");
        res.setHeader("access-control-allow-headers", req.headers["access-control-request-headers"] ?? "content-type");
        res.setHeader("access-control-max-age", "600");
      }
      res.writeHead(204).end();
      return;
    }
    if (!vhostAllowed(req.headers.host, opts.vhosts)) {
      send(res, 403, "invalid host specified\n");
      req.resume();
      return;
    }
    if (req.method === "GET" || req.method === "HEAD") {
      // Health checks and load balancers probe with GET; geth answers them with an empty 200.
      res.writeHead(200).end();
      req.resume();
      return;
    }
    if (req.method !== "POST") {
      send(res, 405, "method not allowed\n");
      req.resume();
      return;
    }
    const type = (req.headers["content-type"] ?? "application/json").split(";")[0].trim().toLowerCase();
    if (!JSON_TYPES.has(type)) {
      send(res, 415, "invalid content type, only application/json is supported\n");
      req.resume();
      return;
    }
    readBody(req, res, opts.maxBodyBytes, (body) => {
      dispatcher.handleText(body, ctx).then(
        (out) => send(res, 200, out === undefined ? "" : `${out}\n`, "application/json"),
        (err: unknown) => {
          logger.error({ err }, "RPC request failed");
          send(res, 500, "internal error\n");
        },
      );
    });
  };
}

function readBody(req: IncomingMessage, res: ServerResponse, max: number, onBody: (text: string) => void): void {
  const tooLarge = () => send(res, 413, `content length too large (${max} bytes max)\n`);
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > max * DRAIN_FACTOR) {
    res.setHeader("connection", "close");
    tooLarge();
    req.destroy();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = declared > max;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > max) over = true;
    if (size > max * DRAIN_FACTOR) {
      res.setHeader("connection", "close");
      tooLarge();
      req.destroy();
      return;
    }
    if (!over) chunks.push(chunk);
  });
  req.on("end", () => {
    if (over) tooLarge();
    else onBody(Buffer.concat(chunks, size).toString("utf8"));
  });
  req.on("error", () => {
    if (!res.headersSent) res.destroy();
  });
}

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@knode/common";
import { WebSocketServer } from "ws";
import { Dispatcher } from "./dispatcher.js";
import { RpcErrorCode, RpcServerError } from "./errors.js";
import type { Json } from "./format/common.js";
import { createHttpHandler } from "./httpHandler.js";
import type { RpcBackend } from "./interface.js";
import type { MethodTable, RpcContext } from "./methodTable.js";
import { defaultRpcServerOptions, type RpcLimits, type RpcServerOptions } from "./options.js";
import { WsConnection } from "./wsConnection.js";

export interface RpcServerModules {
  logger: Logger;
  methods: MethodTable;
  backend: RpcBackend;
}

export interface RpcEndpoints {
  httpUrl?: string;
  wsUrl?: string;
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** HTTP and WebSocket JSON-RPC endpoints over one method table. */
export class RpcServer {
  private readonly opts: RpcServerOptions;
  private readonly limits: RpcLimits;
  private httpServer: Server | undefined;
  private wsHttpServer: Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly connections = new Set<WsConnection>();
  private unsubscribeBlocks: (() => void) | undefined;

  constructor(
    opts: Partial<RpcServerOptions>,
    private readonly modules: RpcServerModules,
  ) {
    this.opts = { ...defaultRpcServerOptions, ...opts };
    const o = this.opts;
    this.limits = {
      callTimeoutMs: o.callTimeoutMs,
      gasCap: o.gasCap,
      getLogsBlockRange: o.getLogsBlockRange,
      getLogsMaxResults: o.getLogsMaxResults,
    };
  }

  async start(): Promise<RpcEndpoints> {
    const o = this.opts;
    const { logger, methods } = this.modules;
    const out: RpcEndpoints = {};
    const httpDispatcher = new Dispatcher({ modules: o.modules, maxBatch: o.maxBatch }, methods, logger);
    const httpCtx: RpcContext = { transport: "http", limits: this.limits, logger };
    const handler = createHttpHandler(o, httpDispatcher, httpCtx, logger);
    const wsPort = o.wsPort ?? null;
    try {
      if (o.httpPort !== null) {
        this.httpServer = createServer(handler);
        const port = await this.listen(this.httpServer, o.httpPort);
        out.httpUrl = `http://${urlHost(o.host)}:${port}`;
      }
      if (wsPort !== null) {
        // Same non-zero port as HTTP: serve both on one socket, as geth does.
        const shared = this.httpServer && wsPort === o.httpPort && wsPort !== 0;
        const server = shared && this.httpServer ? this.httpServer : createServer(handler);
        if (!shared) this.wsHttpServer = server;
        this.attachWebSocket(server);
        const port = shared ? wsPort : await this.listen(server, wsPort);
        out.wsUrl = `ws://${urlHost(o.host)}:${port}`;
      }
    } catch (err) {
      await this.close();
      throw err;
    }
    logger.info({ ...out, modules: o.modules.join(",") }, "RPC server started");
    return out;
  }

  private listen(server: Server, port: number): Promise<number> {
    const host = this.opts.host;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        if (err.code === "EADDRINUSE") {
          reject(
            new RpcServerError(
              { code: RpcErrorCode.PORT_IN_USE, host, port },
              `RPC port ${host}:${port} is already in use`,
            ),
          );
        } else reject(err);
      };
      server.once("error", onError);
      server.listen(port, host, () => {
        server.off("error", onError);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  private attachWebSocket(server: Server): void {
    const o = this.opts;
    const { logger, methods, backend } = this.modules;
    const dispatcher = new Dispatcher({ modules: o.wsModules ?? o.modules, maxBatch: o.maxBatch }, methods, logger);
    const wss = new WebSocketServer({ noServer: true, maxPayload: o.maxBodyBytes });
    this.wss = wss;
    server.on("upgrade", (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        const conn = new WsConnection(ws, dispatcher, this.limits, logger);
        this.connections.add(conn);
        ws.on("close", () => this.connections.delete(conn));
        ws.on("error", (err) => logger.debug({ err: err.message }, "WebSocket error"));
      });
    });
    this.unsubscribeBlocks = backend.onNewBlock((block, hash, receipts) => {
      if (this.connections.size === 0) return;
      const heads = new Map<string, Json>();
      for (const conn of this.connections) {
        try {
          conn.onBlock(block, hash, receipts, heads);
        } catch (err) {
          logger.error({ err }, "subscription delivery failed");
        }
      }
    });
  }

  async close(): Promise<void> {
    this.unsubscribeBlocks?.();
    this.unsubscribeBlocks = undefined;
    for (const conn of this.connections) conn.close();
    this.connections.clear();
    this.wss?.close();
    this.wss = undefined;
    await Promise.all([closeServer(this.httpServer), closeServer(this.wsHttpServer)]);
    this.httpServer = undefined;
    this.wsHttpServer = undefined;
  }
}

function closeServer(server: Server | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

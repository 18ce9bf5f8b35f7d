import { KnodeError, type Logger } from "@knode/common";
import { ExecutionRevertedError, JsonRpcCode, methodNotFound, RpcError } from "./errors.js";
import { type MethodTable, methodModule, type RpcContext } from "./methodTable.js";
import { ParamError } from "./validators.js";

type JsonRpcId = string | number | null;

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: string;
}

export interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: JsonRpcId;
  result?: unknown;
  error?: JsonRpcErrorObject;
}

export interface DispatcherOptions {
  modules: readonly string[];
  maxBatch: number;
}

function errorResponse(id: JsonRpcId, code: number, message: string): JsonRpcResponse {
  return { jsonrpc: "2.0", id, error: { code, message } };
}

const PARSE_ERROR = JSON.stringify(errorResponse(null, JsonRpcCode.PARSE_ERROR, "parse error"));
const EMPTY_BATCH = JSON.stringify(errorResponse(null, JsonRpcCode.INVALID_REQUEST, "empty batch"));

function isValidId(id: unknown): id is JsonRpcId {
  return id === null || typeof id === "string" || typeof id === "number";
}

/**
 * Decodes JSON-RPC 2.0 requests, runs them against the method table and encodes the answers the way
 * geth does. Transport-agnostic: HTTP and WebSocket both feed it text and send back what it returns.
 */
export class Dispatcher {
  private readonly modules: Set<string>;

  constructor(
    private readonly opts: DispatcherOptions,
    private readonly methods: MethodTable,
    private readonly logger: Logger,
  ) {
    this.modules = new Set(opts.modules);
  }

  isAvailable(name: string): boolean {
    return Object.hasOwn(this.methods, name) && this.modules.has(methodModule(name));
  }

  /** Returns the response text, or undefined when nothing is owed (notifications only). */
  async handleText(text: string, ctx: RpcContext): Promise<string | undefined> {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return PARSE_ERROR;
    }
    if (!Array.isArray(msg)) {
      const res = await this.handleMessage(msg, ctx);
      return res && JSON.stringify(res);
    }
    if (msg.length === 0) return EMPTY_BATCH;
    if (msg.length > this.opts.maxBatch) {
      // geth answers with one error in a batch, carrying the first call's id.
      const first = msg.find((m) => m !== null && typeof m === "object" && isValidId(m.id) && m.id !== undefined);
      const id = first ? (first.id as JsonRpcId) : null;
      return JSON.stringify([errorResponse(id, JsonRpcCode.INVALID_REQUEST, "batch too large")]);
    }
    // All calls of a batch start at once and reach the backend in batch order, so a batch of
    // sendRawTransaction is admitted together (one signature batch) and in order; answers keep the order.
    const answers = await Promise.all(msg.map((m) => this.handleMessage(m, ctx)));
    const out = answers.filter((r): r is JsonRpcResponse => r !== undefined);
    return out.length > 0 ? JSON.stringify(out) : undefined;
  }

  async handleMessage(msg: unknown, ctx: RpcContext): Promise<JsonRpcResponse | undefined> {
    if (msg === null || typeof msg !== "object" || Array.isArray(msg)) {
      return errorResponse(null, JsonRpcCode.INVALID_REQUEST, "invalid request");
    }
    const m = msg as Record<string, unknown>;
    const notification = m.id === undefined;
    if (!notification && !isValidId(m.id)) return errorResponse(null, JsonRpcCode.INVALID_REQUEST, "invalid request");
    const id = notification ? null : (m.id as JsonRpcId);
    if (m.jsonrpc !== "2.0" || typeof m.method !== "string" || m.method === "") {
      return notification ? undefined : errorResponse(id, JsonRpcCode.INVALID_REQUEST, "invalid request");
    }
    try {
      const result = await this.invoke(m.method, m.params, ctx);
      return notification ? undefined : { jsonrpc: "2.0", id, result: result === undefined ? null : result };
    } catch (err) {
      if (notification) return undefined;
      return { jsonrpc: "2.0", id, error: this.toErrorObject(err, m.method) };
    }
  }

  private async invoke(name: string, params: unknown, ctx: RpcContext): Promise<unknown> {
    const def = this.isAvailable(name) ? this.methods[name] : undefined;
    if (!def) throw methodNotFound(name);
    let raw: unknown[];
    if (params === undefined || params === null) raw = [];
    else if (Array.isArray(params)) raw = params;
    else throw new RpcError(JsonRpcCode.INVALID_PARAMS, "non-array args");
    const specs = def.params;
    if (raw.length > specs.length) {
      throw new RpcError(JsonRpcCode.INVALID_PARAMS, `too many arguments, want at most ${specs.length}`);
    }
    const args: unknown[] = new Array(specs.length);
    for (let i = 0; i < specs.length; i++) {
      const v = raw[i];
      if ((v === undefined || v === null) && !specs[i].optional) {
        throw new RpcError(JsonRpcCode.INVALID_PARAMS, `missing value for required argument ${i}`);
      }
      try {
        args[i] = specs[i].parse(v);
      } catch (err) {
        if (err instanceof ParamError) {
          throw new RpcError(JsonRpcCode.INVALID_PARAMS, `invalid argument ${i}: ${err.message}`);
        }
        throw err;
      }
    }
    return def.handler(args, ctx);
  }

  private toErrorObject(err: unknown, method: string): JsonRpcErrorObject {
    if (err instanceof RpcError) {
      return err.data === undefined
        ? { code: err.rpcCode, message: err.message }
        : { code: err.rpcCode, message: err.message, data: err.data };
    }
    if (err instanceof ExecutionRevertedError) return this.toErrorObject(err.toRpcError(), method);
    if (err instanceof ParamError) return { code: JsonRpcCode.INVALID_PARAMS, message: err.message };
    // The txpool and chain use geth's exact wording ("nonce too low", "already known"...).
    if (err instanceof KnodeError) return { code: JsonRpcCode.SERVER_ERROR, message: err.message };
    this.logger.error({ method, err }, "RPC handler failed");
    return { code: JsonRpcCode.INTERNAL_ERROR, message: "internal error" };
  }
}

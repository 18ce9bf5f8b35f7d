import { bytesToBigInt, bytesToHex, bytesToUtf8, KnodeError } from "@knode/common";

/** JSON-RPC 2.0 codes, plus geth's 3 for reverts carrying data. */
export enum JsonRpcCode {
  PARSE_ERROR = -32700,
  INVALID_REQUEST = -32600,
  METHOD_NOT_FOUND = -32601,
  INVALID_PARAMS = -32602,
  INTERNAL_ERROR = -32603,
  SERVER_ERROR = -32000,
  EXECUTION_REVERTED = 3,
}

export enum RpcErrorCode {
  RPC_ERROR = "RPC_ERROR",
  PORT_IN_USE = "RPC_PORT_IN_USE",
  EXECUTION_REVERTED = "RPC_EXECUTION_REVERTED",
}

export type RpcErrorType = { code: RpcErrorCode.RPC_ERROR; rpcCode: number; data?: string };

/** An error whose JSON-RPC code and message are sent to the client as they are. */
export class RpcError extends KnodeError<RpcErrorType> {
  constructor(rpcCode: number, message: string, data?: string) {
    super({ code: RpcErrorCode.RPC_ERROR, rpcCode, data }, message);
    this.name = "RpcError";
  }

  get rpcCode(): number {
    return this.type.rpcCode;
  }

  get data(): string | undefined {
    return this.type.data;
  }
}

export class RpcServerError extends KnodeError<{ code: RpcErrorCode.PORT_IN_USE; host: string; port: number }> {}

export function invalidParams(message: string): RpcError {
  return new RpcError(JsonRpcCode.INVALID_PARAMS, message);
}

export function serverError(message: string): RpcError {
  return new RpcError(JsonRpcCode.SERVER_ERROR, message);
}

export function methodNotFound(method: string): RpcError {
  return new RpcError(JsonRpcCode.METHOD_NOT_FOUND, `the method ${method} does not exist/is not available`);
}

/**
 * Thrown by the execution layer (estimateGas) when a call reverts; mapped to geth's
 * `{code: 3, message: "execution reverted: <reason>", data}`.
 */
export class ExecutionRevertedError extends KnodeError<{ code: RpcErrorCode.EXECUTION_REVERTED }> {
  readonly data: Uint8Array;
  readonly reason: string | undefined;

  constructor(data: Uint8Array, reason?: string) {
    const r = reason ?? decodeRevertReason(data);
    super(
      { code: RpcErrorCode.EXECUTION_REVERTED },
      r === undefined ? "execution reverted" : `execution reverted: ${r}`,
    );
    this.name = "ExecutionRevertedError";
    this.data = data;
    this.reason = r;
  }

  toRpcError(): RpcError {
    return new RpcError(JsonRpcCode.EXECUTION_REVERTED, this.message, bytesToHex(this.data));
  }
}

const ERROR_SELECTOR = 0x08c379a0;
const PANIC_SELECTOR = 0x4e487b71;

/** Solidity's panic codes, worded as geth words them. */
const PANIC_REASONS: Record<number, string> = {
  0: "generic panic",
  1: "assert(false)",
  17: "arithmetic underflow or overflow",
  18: "division or modulo by zero",
  33: "enum overflow",
  34: "invalid encoded storage byte array accessed",
  49: "out-of-bounds array access; popping on an empty array",
  50: "out-of-bounds access of an array or bytesN",
  65: "out of memory",
  81: "uninitialized function",
};

/** Decodes `Error(string)` and `Panic(uint256)` revert payloads; undefined for anything else. */
export function decodeRevertReason(data: Uint8Array): string | undefined {
  if (data.length < 4) return undefined;
  const selector = ((data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3]) >>> 0;
  if (selector === PANIC_SELECTOR && data.length === 36) {
    const code = bytesToBigInt(data.subarray(4, 36));
    const known = code <= 0xffn ? PANIC_REASONS[Number(code)] : undefined;
    return known ?? `unknown panic code: 0x${code.toString(16)}`;
  }
  if (selector !== ERROR_SELECTOR || data.length < 68) return undefined;
  const offset = bytesToBigInt(data.subarray(4, 36));
  if (offset > BigInt(data.length)) return undefined;
  const start = 4 + Number(offset);
  if (start + 32 > data.length) return undefined;
  const len = bytesToBigInt(data.subarray(start, start + 32));
  if (BigInt(start + 32) + len > BigInt(data.length)) return undefined;
  return bytesToUtf8(data.subarray(start + 32, start + 32 + Number(len)));
}

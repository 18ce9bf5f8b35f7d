export { buildMethodTable, type MethodTableOptions } from "./buildMethodTable.js";
export { Dispatcher, type DispatcherOptions, type JsonRpcErrorObject, type JsonRpcResponse } from "./dispatcher.js";
export {
  decodeRevertReason,
  ExecutionRevertedError,
  invalidParams,
  JsonRpcCode,
  methodNotFound,
  RpcError,
  RpcErrorCode,
  type RpcErrorType,
  RpcServerError,
  serverError,
} from "./errors.js";
export type { Json, ReceiptContext, TxBlockContext } from "./format/common.js";
export { ethFormatter } from "./format/ethFormat.js";
export type { Formatter } from "./format/formatter.js";
export { klayFormatter } from "./format/klayFormat.js";
export { hostWithoutPort, vhostAllowed } from "./httpHandler.js";
export type * from "./interface.js";
export { keccak256 } from "./keccak.js";
export { bloomMayMatch, compileLogFilter, logMatches } from "./methods/logFilter.js";
export { checksumAddress } from "./methods/miscMethods.js";
export {
  type MethodDef,
  type MethodTable,
  method,
  methodModule,
  type RpcContext,
  type SubscriptionHost,
  type SubscriptionKind,
} from "./methodTable.js";
export { defaultRpcServerOptions, type RpcLimits, type RpcServerOptions } from "./options.js";
export { type RpcEndpoints, RpcServer, type RpcServerModules } from "./rpcServer.js";
export * as validators from "./validators.js";
export { type LogFilter, ParamError, type ParamSpec } from "./validators.js";

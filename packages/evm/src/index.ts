export { type BlockEnv, KNODE_BLOCK_GAS_LIMIT, toEthBlock } from "./blockEnv.js";
export {
  BlockExecutor,
  type BlockExecutorModules,
  type BlockExecutorOptions,
  type CallResult,
  defaultBlockExecutorOptions,
  type ExecuteInput,
  type ExecuteResult,
} from "./blockExecutor.js";
export { EvmError, EvmErrorCode, type EvmErrorType, ExecutionRevertedError } from "./errors.js";
export { makeCommon, nativeCustomCrypto } from "./makeCommon.js";
export type { CallArgs } from "./message.js";
export { contractAddressOf } from "./receipt.js";
export { decodeRevertReason } from "./revertReason.js";

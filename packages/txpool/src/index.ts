export { type AdmissionRules, checkStatelessRules, isReplacementAllowed, transactionCost } from "./admission.js";
export { TxPoolError, TxPoolErrorCode, type TxPoolErrorType, txPoolError, txPoolErrorMessages } from "./errors.js";
export type { PendingListener, TxPoolChain, TxPoolModules, TxPoolStats } from "./interface.js";
export { defaultTxPoolOptions, type TxPoolOptions } from "./options.js";
export { TxPool } from "./txPool.js";

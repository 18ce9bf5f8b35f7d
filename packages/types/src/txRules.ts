import { TypesError, TypesErrorCode } from "./errors.js";
import type { Transaction } from "./model.js";

/** EIP-3860: twice the EIP-170 code size limit (24576). */
export const maxInitCodeSize = 49152;

// Gas schedule at Cancun (EIP-2028 calldata, EIP-2930 access lists, EIP-3860 initcode words).
const TX_GAS = 21000n;
const TX_CREATE_GAS = 53000n;
const DATA_ZERO_GAS = 4n;
const DATA_NONZERO_GAS = 16n;
const ACCESS_LIST_ADDRESS_GAS = 2400n;
const ACCESS_LIST_STORAGE_KEY_GAS = 1900n;
const INITCODE_WORD_GAS = 2n;

/** EIP-2681: the nonce may not reach 2^64-1, so that incrementing it never overflows. */
const MAX_NONCE = 2n ** 64n - 1n;
const UINT256_MAX = 2n ** 256n - 1n;

/** Gas charged before execution starts, Cancun rules. */
export function intrinsicGas(tx: Pick<Transaction, "to" | "data" | "accessList">): bigint {
  const create = tx.to === null;
  let gas = create ? TX_CREATE_GAS : TX_GAS;
  const data = tx.data;
  let zeros = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === 0) zeros++;
  gas += BigInt(zeros) * DATA_ZERO_GAS + BigInt(data.length - zeros) * DATA_NONZERO_GAS;
  if (create) gas += BigInt(Math.ceil(data.length / 32)) * INITCODE_WORD_GAS;
  for (const entry of tx.accessList) {
    gas += ACCESS_LIST_ADDRESS_GAS + BigInt(entry.storageKeys.length) * ACCESS_LIST_STORAGE_KEY_GAS;
  }
  return gas;
}

/** What the sender pays per gas under a given base fee. */
export function effectiveGasPrice(
  tx: Pick<Transaction, "maxFeePerGas" | "maxPriorityFeePerGas">,
  baseFee: bigint,
): bigint {
  const capped = baseFee + tx.maxPriorityFeePerGas;
  // bigint: Math.min does not apply.
  if (capped < tx.maxFeePerGas) return capped;
  return tx.maxFeePerGas;
}

/** What the block producer earns per gas; negative when the fee cap is below the base fee. */
export function effectiveGasTip(
  tx: Pick<Transaction, "maxFeePerGas" | "maxPriorityFeePerGas">,
  baseFee: bigint,
): bigint {
  const headroom = tx.maxFeePerGas - baseFee;
  if (headroom < tx.maxPriorityFeePerGas) return headroom;
  return tx.maxPriorityFeePerGas;
}

function invalid(message: string, field: string): TypesError {
  return new TypesError({ code: TypesErrorCode.INVALID_TX, field }, `invalid transaction: ${message}`);
}

/**
 * The stateless rules a decoded transaction must also meet to be includable (Cancun), separate from
 * decoding because they depend on the chain (chain id) or are checked where the gas schedule lives in
 * geth. Pre-EIP-155 legacy transactions carry no chain id and are accepted, as Klaytn and geth do.
 */
export function validateTransaction(tx: Transaction, chainId: bigint): void {
  if (tx.chainId !== undefined && tx.chainId !== chainId) {
    throw invalid(`chain id ${tx.chainId} does not match ${chainId}`, "chainId");
  }
  if (tx.nonce >= MAX_NONCE) throw invalid("nonce must be below 2^64-1 (EIP-2681)", "nonce");
  if (tx.maxPriorityFeePerGas > tx.maxFeePerGas) {
    throw invalid("maxPriorityFeePerGas above maxFeePerGas", "maxPriorityFeePerGas");
  }
  if (tx.gasLimit * tx.maxFeePerGas > UINT256_MAX) throw invalid("gasLimit * gas price overflows 256 bits", "gasLimit");
  if (tx.to === null && tx.data.length > maxInitCodeSize) {
    throw invalid(`initcode of ${tx.data.length} bytes exceeds ${maxInitCodeSize} (EIP-3860)`, "data");
  }
  const gas = intrinsicGas(tx);
  if (tx.gasLimit < gas) throw invalid(`gas limit ${tx.gasLimit} below intrinsic gas ${gas}`, "gasLimit");
}

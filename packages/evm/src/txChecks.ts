import { equalBytes } from "@knode/common";
import { toChecksumAddress } from "@knode/crypto";
import { type Transaction, validateTransaction } from "@knode/types";
import { EMPTY_CODE_HASH } from "./constants.js";

/**
 * Why `tx` cannot be applied on top of the current state, in geth's words (core/state_transition.go), or
 * undefined when it can. Checked before runTx so that an unusable tx is told apart from an execution
 * failure without parsing ethereumjs error strings, and so the messages match what users know.
 */
export function whyNotApplicable(
  tx: Transaction,
  sender: Uint8Array,
  account: { nonce: bigint; balance: bigint; codeHash: Uint8Array } | null | undefined,
  baseFee: bigint,
  gasLeft: bigint,
  chainId: bigint,
): string | undefined {
  try {
    validateTransaction(tx, chainId);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if (tx.gasLimit > gasLeft) return `gas limit reached: tx gas ${tx.gasLimit} above the ${gasLeft} left in the block`;
  const nonce = account?.nonce ?? 0n;
  if (tx.nonce !== nonce) {
    const which = tx.nonce < nonce ? "nonce too low" : "nonce too high";
    return `${which}: address ${toChecksumAddress(sender)}, tx: ${tx.nonce} state: ${nonce}`;
  }
  if (account != null && !equalBytes(account.codeHash, EMPTY_CODE_HASH)) {
    return `sender not an eoa: address ${toChecksumAddress(sender)}`;
  }
  if (tx.maxFeePerGas < baseFee) {
    return `max fee per gas less than block base fee: address ${toChecksumAddress(sender)}, maxFeePerGas: ${tx.maxFeePerGas}, baseFee: ${baseFee}`;
  }
  const want = tx.gasLimit * tx.maxFeePerGas + tx.value;
  const have = account?.balance ?? 0n;
  if (have < want) {
    return `insufficient funds for gas * price + value: address ${toChecksumAddress(sender)} have ${have} want ${want}`;
  }
  return undefined;
}

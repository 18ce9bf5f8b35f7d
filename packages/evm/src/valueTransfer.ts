import { equalBytes } from "@knode/common";
import { type BlockState, EMPTY_ACCOUNT, type FlatAccount, isEmptyAccount } from "@knode/state";
import { effectiveGasPrice, type StoredReceipt, type Transaction } from "@knode/types";
import { EMPTY_CODE_HASH, TX_GAS } from "./constants.js";

const ZERO_BLOOM = new Uint8Array(256);

/**
 * Whether `tx` is a plain value transfer that can skip the EVM (Klaytn's ValueTransfer path): a call
 * with no input and no access list to an account without code. Such a tx runs no code, so its effect is
 * fully described by balances, the nonce and 21,000 gas.
 */
export function isPlainTransfer(tx: Transaction, recipient: FlatAccount | null): boolean {
  return (
    tx.to !== null &&
    tx.data.length === 0 &&
    tx.accessList.length === 0 &&
    (recipient === null || equalBytes(recipient.codeHash, EMPTY_CODE_HASH))
  );
}

/**
 * Applies a plain transfer exactly as the EVM path would under Cancun rules: the sender pays value and
 * 21,000 gas at the effective price and bumps its nonce, the recipient gets the value, the coinbase the
 * tip, the base fee is burnt, and touched accounts left empty are removed (EIP-161). The caller has
 * checked the tx is applicable (nonce, balance, fee cap) against `senderAccount`.
 */
export async function applyPlainTransfer(
  state: BlockState,
  tx: Transaction,
  sender: Uint8Array,
  senderAccount: FlatAccount,
  coinbase: Uint8Array,
  baseFee: bigint,
  cumulativeGasUsed: bigint,
): Promise<StoredReceipt> {
  const to = tx.to as Uint8Array;
  const price = effectiveGasPrice(tx, baseFee);
  state.setAccount(sender, {
    ...senderAccount,
    nonce: senderAccount.nonce + 1n,
    balance: senderAccount.balance - tx.value - TX_GAS * price,
  });
  const recipient = (await state.account(to)) ?? EMPTY_ACCOUNT;
  touch(state, to, { ...recipient, balance: recipient.balance + tx.value });
  const miner = (await state.account(coinbase)) ?? EMPTY_ACCOUNT;
  touch(state, coinbase, { ...miner, balance: miner.balance + TX_GAS * (price - baseFee) });
  return {
    txType: tx.type,
    status: 1,
    cumulativeGasUsed: cumulativeGasUsed + TX_GAS,
    logsBloom: ZERO_BLOOM,
    logs: [],
    gasUsed: TX_GAS,
    effectiveGasPrice: price,
    contractAddress: null,
  };
}

function touch(state: BlockState, addr: Uint8Array, acc: FlatAccount): void {
  state.setAccount(addr, isEmptyAccount(acc) ? null : acc);
}

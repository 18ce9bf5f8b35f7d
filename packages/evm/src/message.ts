import type { Block } from "@ethereumjs/block";
import { Account, Address } from "@ethereumjs/util";
import { toChecksumAddress } from "@knode/crypto";
import { type AccessList, type CallArgs, intrinsicGas } from "@knode/types";
import type { BoundVm } from "./boundVm.js";
import { MAX_REFUND_QUOTIENT } from "./constants.js";

export type { CallArgs };

/** A call with every default applied: what one execution attempt runs. */
export interface Message {
  from: Uint8Array;
  to: Uint8Array | null;
  gas: bigint;
  /** The price actually charged per gas; 0 when the caller gave no fee fields (no balance check). */
  gasPrice: bigint;
  /** The fee cap compared to the base fee and used for the balance allowance; 0 when no fees were given. */
  feeCap: bigint;
  value: bigint;
  data: Uint8Array;
  accessList: AccessList;
}

export interface MessageResult {
  returnData: Uint8Array;
  /** After refunds, as a receipt would show it. */
  gasUsed: bigint;
  /** The refund already subtracted from gasUsed (geth's RefundedGas). */
  refund: bigint;
  reverted: boolean;
  /** A non-revert execution failure, in geth's words. */
  error?: string;
  outOfGas: boolean;
}

/** Why a message could not even start (geth's consensus errors); `intrinsic` marks "gas too low". */
export interface MessageRejection {
  rejected: string;
  intrinsic: boolean;
}

/** ethereumjs's EVMError messages as geth words them (core/vm/errors.go). */
const GETH_ERRORS: Record<string, string> = {
  "code store out of gas": "contract creation code storage out of gas",
  "code size to deposit exceeds maximum code size": "max code size exceeded",
  "invalid JUMP": "invalid jump destination",
  "static state change": "write protection",
  "create collision": "contract address collision",
  "insufficient balance": "insufficient balance for transfer",
  "invalid bytecode deployed": "invalid code: must not begin with 0xef",
  "initcode exceeds max initcode size": "max initcode size exceeded",
  "value out of range": "return data out of bounds",
};

const OUT_OF_GAS = "out of gas";
const REVERT = "revert";

/**
 * Executes `msg` as a transaction would run (intrinsic gas, fee debit, nonce bump, EIP-2929 warm set,
 * refunds) and undoes every state change afterwards. Like geth's eth_call it skips the nonce and
 * sender-is-EOA checks, and with no fee fields given gas costs nothing (the value must still be covered).
 */
export async function runMessage(
  bound: BoundVm,
  block: Block,
  msg: Message,
): Promise<MessageResult | MessageRejection> {
  const intrinsic = intrinsicGas(msg);
  if (msg.gas < intrinsic) {
    return { rejected: `intrinsic gas too low: have ${msg.gas}, want ${intrinsic}`, intrinsic: true };
  }
  const { vm } = bound;
  const evm = vm.evm;
  const journal = evm.journal;
  const state = vm.stateManager;
  const caller = new Address(msg.from);
  await journal.cleanup();
  await journal.checkpoint();
  try {
    const account = (await state.getAccount(caller)) ?? new Account();
    const baseFee = block.header.baseFeePerGas ?? 0n;
    if (msg.feeCap > 0n && msg.feeCap < baseFee) {
      return {
        rejected: `max fee per gas less than block base fee: address ${toChecksumAddress(msg.from)}, maxFeePerGas: ${msg.feeCap}, baseFee: ${baseFee}`,
        intrinsic: false,
      };
    }
    // geth's buyGas: the balance must cover the gas at the fee cap plus the value, even with no fees given.
    const want = msg.gas * msg.feeCap + msg.value;
    if (account.balance < want) {
      return {
        rejected: `insufficient funds for gas * price + value: address ${toChecksumAddress(msg.from)} have ${account.balance} want ${want}`,
        intrinsic: false,
      };
    }
    const gasCost = msg.gas * msg.gasPrice;
    if (gasCost > 0n) {
      account.balance -= gasCost;
      await journal.putAccount(caller, account);
    }
    warmUp(bound, msg.from, msg.to, block.header.coinbase.bytes, msg.accessList);
    const res = await evm.runCall({
      block,
      gasPrice: msg.gasPrice,
      caller,
      origin: caller,
      gasLimit: msg.gas - intrinsic,
      to: msg.to === null ? undefined : new Address(msg.to),
      value: msg.value,
      data: msg.data,
    });
    const exec = res.execResult;
    const spent = intrinsic + exec.executionGasUsed;
    const maxRefund = spent / MAX_REFUND_QUOTIENT;
    const refund = (exec.gasRefund ?? 0n) < maxRefund ? (exec.gasRefund ?? 0n) : maxRefund;
    const err = exec.exceptionError?.error;
    return {
      returnData: exec.returnValue,
      gasUsed: spent - refund,
      refund,
      reverted: err === REVERT,
      error: err === undefined || err === REVERT ? undefined : (GETH_ERRORS[err] ?? err),
      outOfGas: err === OUT_OF_GAS,
    };
  } finally {
    await unwind(bound);
  }
}

/** Lowercase hex without 0x: how the EVM journal keys addresses and slots. */
export function journalKey(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

/**
 * The EIP-2929/2930/3651 warm set runTx builds before executing: precompiles, sender, recipient,
 * coinbase and the access list. A created contract's address is warmed by the EVM itself (runCall).
 */
export function warmUp(
  bound: BoundVm,
  from: Uint8Array,
  to: Uint8Array | null,
  coinbase: Uint8Array,
  accessList: AccessList,
): void {
  const journal = bound.vm.evm.journal;
  for (const addr of bound.vm.evm.precompiles.keys()) journal.addAlwaysWarmAddress(addr);
  journal.addAlwaysWarmAddress(journalKey(from));
  if (to !== null) journal.addAlwaysWarmAddress(journalKey(to));
  journal.addAlwaysWarmAddress(journalKey(coinbase));
  for (const entry of accessList) {
    const addr = journalKey(entry.address);
    journal.addAlwaysWarmAddress(addr);
    for (const key of entry.storageKeys) journal.addAlwaysWarmSlot(addr, journalKey(key));
  }
}

/**
 * Reverts to the state before the message. A call aborted from inside the interpreter (timeout) leaves
 * the EVM's nested checkpoints open, so revert level by level down to ours.
 */
async function unwind(bound: BoundVm): Promise<void> {
  const journal = bound.vm.evm.journal;
  const height = (journal as { journalHeight?: unknown }).journalHeight;
  let levels = typeof height === "number" && height > 1 ? height : 1;
  while (levels-- > 0) await journal.revert();
  journal.cleanJournal();
  bound.vm.stateManager.originalStorageCache.clear();
}

import type { Block } from "@ethereumjs/block";
import { Account, Address } from "@ethereumjs/util";
import { hexToBytes } from "@knode/common";
import { effectiveGasPrice, intrinsicGas, type Log, type Transaction } from "@knode/types";
import type { BoundVm } from "./boundVm.js";
import { MAX_REFUND_QUOTIENT } from "./constants.js";
import { logsBloom } from "./logsBloom.js";
import { warmUp } from "./message.js";
import { contractAddressOf, type TxExecution } from "./receipt.js";

const NO_LOGS: Log[] = [];

/** Applies one checked tx on a bound VM (the seam differential tests use to swap in stock runTx). */
export type TxRunner = (
  bound: BoundVm,
  block: Block,
  tx: Transaction,
  sender: Uint8Array,
  blockGasUsed: bigint,
) => Promise<TxExecution>;

/**
 * Applies one transaction on the bound VM's state with the semantics of @ethereumjs/vm's runTx under
 * Cancun, for a tx the caller has already checked (whyNotApplicable: nonce, EOA sender, fee cap, balance
 * for gasLimit * feeCap + value, block gas). It skips what runTx spends its time on besides the EVM:
 * rebuilding a tx object from RLP, re-validating, hardfork probing, receipt and debug strings.
 *
 * A thrown error (a state read failing, never an EVM failure: those give status 0) leaves the state as
 * it was before the tx.
 */
export async function runTransaction(
  bound: BoundVm,
  block: Block,
  tx: Transaction,
  sender: Uint8Array,
): Promise<TxExecution> {
  const evm = bound.vm.evm;
  const journal = evm.journal;
  const state = bound.vm.stateManager;
  const baseFee = block.header.baseFeePerGas ?? 0n;
  const coinbase = block.header.coinbase;
  const caller = new Address(sender);
  // Accounts touched by an earlier operation and left empty go first, as runTx does on entry.
  await journal.cleanup();
  await journal.checkpoint();
  try {
    warmUp(bound, sender, tx.to, coinbase.bytes, tx.accessList);
    const intrinsic = intrinsicGas(tx);
    // What is charged per gas; the coinbase gets the part above the base fee (possibly 0), the rest burns.
    const gasPrice = effectiveGasPrice(tx, baseFee);
    // runTx debits the whole gas limit at the effective price (the fee cap only gates admission) and
    // bumps the nonce before execution, so a CREATE derives its address from nonce - 1.
    const upfront = tx.gasLimit * gasPrice;
    const from = (await state.getAccount(caller)) ?? new Account();
    from.balance -= upfront;
    from.nonce += 1n;
    await journal.putAccount(caller, from);
    const res = await evm.runCall({
      block,
      gasPrice,
      caller,
      gasLimit: tx.gasLimit - intrinsic,
      to: tx.to === null ? undefined : new Address(tx.to),
      value: tx.value,
      data: tx.data,
      skipNonceIncrement: true,
    });
    const exec = res.execResult;
    let gasUsed = intrinsic + exec.executionGasUsed;
    const refund = exec.gasRefund ?? 0n;
    if (refund !== 0n) {
      const maxRefund = gasUsed / MAX_REFUND_QUOTIENT;
      gasUsed -= refund < maxRefund ? refund : maxRefund;
    }
    // Re-read: execution moved the sender's balance (value, or calls back into it).
    const after = (await state.getAccount(caller)) ?? new Account();
    after.balance += upfront - gasUsed * gasPrice;
    await journal.putAccount(caller, after);
    // Written even when the tip is 0: the touch lets EIP-161 cleanup drop an empty coinbase.
    const miner = (await state.getAccount(coinbase)) ?? new Account();
    miner.balance += gasUsed * (gasPrice - baseFee);
    await journal.putAccount(coinbase, miner);
    // EIP-6780: only contracts created by this very tx are deleted; other SELFDESTRUCTs just moved value.
    const created = exec.createdAddresses;
    if (exec.selfdestruct !== undefined && created !== undefined) {
      for (const key of exec.selfdestruct.keys()) {
        if (created.has(key)) await journal.deleteAccount(new Address(hexToBytes(key)));
      }
    }
    // EIP-161: touched accounts left empty are removed; this also resets the warm sets.
    await journal.cleanup();
    state.originalStorageCache.clear();
    await journal.commit();
    const failed = exec.exceptionError !== undefined;
    const logs = failed ? NO_LOGS : toLogs(exec.logs);
    return {
      status: failed ? 0 : 1,
      gasUsed,
      logs,
      logsBloom: logsBloom(logs),
      contractAddress: tx.to === null ? contractAddressOf(sender, tx.nonce) : null,
    };
  } catch (e) {
    await abandon(bound);
    throw e;
  } finally {
    journal.cleanJournal();
  }
}

function toLogs(raw: [Uint8Array, Uint8Array[], Uint8Array][] | undefined): Log[] {
  if (raw === undefined || raw.length === 0) return NO_LOGS;
  const logs: Log[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const [address, topics, data] = raw[i];
    logs[i] = { address, topics, data };
  }
  return logs;
}

/**
 * Undoes a tx that threw. An error from inside the interpreter leaves the EVM's own frame checkpoints
 * open (runTx would revert only one level and unbalance the state's checkpoint stack), so revert every
 * level the journal holds, and drop transient storage the interrupted frames left behind.
 */
async function abandon(bound: BoundVm): Promise<void> {
  const evm = bound.vm.evm;
  const height = (evm.journal as { journalHeight?: unknown }).journalHeight;
  let levels = typeof height === "number" ? height : 0;
  while (levels-- > 0) await evm.journal.revert();
  const transient = (evm as { transientStorage?: { clear?: () => void } }).transientStorage;
  transient?.clear?.();
  bound.vm.stateManager.originalStorageCache.clear();
}

import type { Common, StateManagerInterface } from "@ethereumjs/common";
import { Address } from "@ethereumjs/util";
import { bytesToHex, errorMessage, type Logger } from "@knode/common";
import { type BlockState, EMPTY_ACCOUNT, type FlatAccount } from "@knode/state";
import { recoverTransactionSender, type StoredReceipt, type Transaction } from "@knode/types";
import { type BlockEnv, toEthBlock } from "./blockEnv.js";
import { type BoundVm, CallTimeoutSignal, createBoundVm } from "./boundVm.js";
import { formatDuration, toCallMessage } from "./callMessage.js";
import { TX_GAS } from "./constants.js";
import { EvmError, EvmErrorCode } from "./errors.js";
import { estimateGasWith } from "./estimateGas.js";
import { enableFastInterpreterLoop, installFastInterpreterLoop } from "./fastInterpreterLoop.js";
import { enableJumpAnalysisCache } from "./jumpAnalysisCache.js";
import { makeCommon } from "./makeCommon.js";
import { type CallArgs, type Message, runMessage } from "./message.js";
import { type TxExecution, toStoredReceipt } from "./receipt.js";
import { runTransaction, type TxRunner } from "./runTransaction.js";
import { whyNotApplicable } from "./txChecks.js";
import { applyPlainTransfer, isPlainTransfer } from "./valueTransfer.js";

export interface BlockExecutorOptions {
  chainId: bigint;
  /** KLAY minted per block and credited to the block's rewardbase. */
  mintingAmount: bigint;
  /** geth's eth_estimateGas tolerance: stop the search once within this fraction of the answer. */
  estimateGasErrorRatio: number;
  /** Apply plain value transfers without the EVM (off only to compare both paths in tests). */
  valueTransferFastPath: boolean;
  /** Analyse each contract's jump destinations once per VM instead of once per call frame. */
  jumpAnalysisCache: boolean;
  /** Dispatch opcodes without a promise per step (see fastInterpreterLoop.ts); off only to compare in tests. */
  fastInterpreterLoop: boolean;
}

export const defaultBlockExecutorOptions: Omit<BlockExecutorOptions, "chainId"> = {
  mintingAmount: 0n,
  estimateGasErrorRatio: 0.015,
  valueTransferFastPath: true,
  jumpAnalysisCache: true,
  fastInterpreterLoop: true,
};

export interface BlockExecutorModules {
  logger: Logger;
  /** Applies txs that need the EVM; defaults to runTransaction (tests swap in stock runTx as a reference). */
  txRunner?: TxRunner;
}

export interface ExecuteInput {
  state: BlockState;
  env: BlockEnv;
  txs: Transaction[];
  /** "build": skip txs that cannot be applied; "import": any such tx makes the block invalid. */
  mode: "build" | "import";
  /** Build mode: wall-clock ms (Date.now()) after which no further tx is started. */
  deadlineMs?: number;
}

export interface ExecuteResult {
  included: Transaction[];
  receipts: StoredReceipt[];
  gasUsed: bigint;
  skipped: { tx: Transaction; reason: string }[];
}

export interface CallResult {
  returnData: Uint8Array;
  gasUsed: bigint;
  reverted: boolean;
  /** A non-revert failure (out of gas, invalid opcode, timeout, insufficient funds...) in geth's words. */
  error?: string;
}

const EMPTY = new Uint8Array(0);

/**
 * Runs transactions and calls on @ethereumjs/vm under Cancun rules. One VM per state object, created on
 * first use and dropped with the state (WeakMap); Common is built once. Operations on one state must not
 * overlap: they share that state's VM and journal.
 */
export class BlockExecutor {
  readonly common: Common;
  private readonly txRunner: TxRunner;
  private readonly opts: BlockExecutorOptions;
  private readonly logger: Logger;
  private readonly vms = new WeakMap<StateManagerInterface, Promise<BoundVm>>();

  constructor(
    opts: Pick<BlockExecutorOptions, "chainId"> & Partial<BlockExecutorOptions>,
    modules: BlockExecutorModules,
  ) {
    this.opts = { ...defaultBlockExecutorOptions, ...opts };
    this.logger = modules.logger;
    this.common = makeCommon(this.opts.chainId);
    this.txRunner = modules.txRunner ?? runTransaction;
  }

  private vmFor(state: StateManagerInterface): Promise<BoundVm> {
    let bound = this.vms.get(state);
    if (bound === undefined) {
      bound = this.createVm(state);
      this.vms.set(state, bound);
      // A failed creation must not stick to the state forever.
      bound.catch(() => this.vms.delete(state));
    }
    return bound;
  }

  private async createVm(state: StateManagerInterface): Promise<BoundVm> {
    const bound = await createBoundVm(this.common, state);
    if (this.opts.jumpAnalysisCache) await enableJumpAnalysisCache(bound.vm.evm);
    if (this.opts.fastInterpreterLoop) {
      await installFastInterpreterLoop();
      enableFastInterpreterLoop(bound.vm.evm);
    }
    return bound;
  }

  /** Applies `txs` in order on `state` (mutated in place, uncommitted) and builds their receipts. */
  async executeTransactions(input: ExecuteInput): Promise<ExecuteResult> {
    const { state, env, mode } = input;
    const bound = await this.vmFor(state);
    bound.ctx.deadline = Number.POSITIVE_INFINITY;
    bound.ctx.getBlockHash = env.getBlockHash;
    const out: ExecuteResult = { included: [], receipts: [], gasUsed: 0n, skipped: [] };
    const reject = (index: number, tx: Transaction, reason: string): void => {
      if (mode === "import") {
        throw new EvmError(
          { code: EvmErrorCode.INVALID_BLOCK_TX, index, reason },
          `invalid transaction ${index} (${bytesToHex(tx.hash)}): ${reason}`,
        );
      }
      this.logger.debug({ tx: bytesToHex(tx.hash), reason }, "Skipped transaction");
      out.skipped.push({ tx, reason });
    };

    // One checkpoint around the block: the state manager flushes its caches into the trie (re-hashing
    // every touched path) whenever its checkpoint depth returns to zero, which runTx would otherwise
    // cause after each tx. With it the trie is written once per block.
    await state.checkpoint();
    let done = false;
    try {
      await this.runAll(input, bound, out, reject);
      done = true;
    } finally {
      if (done) await state.commit();
      else await state.revert();
    }
    return out;
  }

  private async runAll(
    input: ExecuteInput,
    bound: BoundVm,
    out: ExecuteResult,
    reject: (index: number, tx: Transaction, reason: string) => void,
  ): Promise<void> {
    const { state, env, txs, mode } = input;
    const block = toEthBlock(env, this.common);
    const touched: Uint8Array[] = [env.coinbase];
    for (const tx of txs) {
      if (tx.sender) touched.push(tx.sender);
      if (tx.to) touched.push(tx.to);
    }
    await state.prefetch(touched);
    for (let i = 0; i < txs.length; i++) {
      if (mode === "build" && input.deadlineMs !== undefined && Date.now() >= input.deadlineMs) break;
      const tx = txs[i];
      let sender: Uint8Array;
      try {
        sender = tx.sender ?? recoverTransactionSender(tx);
      } catch (e) {
        reject(i, tx, errorMessage(e));
        continue;
      }
      const account = await state.account(sender);
      const why = whyNotApplicable(tx, sender, account, env.baseFee, env.gasLimit - out.gasUsed, this.opts.chainId);
      if (why !== undefined) {
        reject(i, tx, why);
        continue;
      }
      if (
        this.opts.valueTransferFastPath &&
        tx.to !== null &&
        tx.data.length === 0 &&
        isPlainTransfer(tx, await state.account(tx.to))
      ) {
        const receipt = await applyPlainTransfer(
          state,
          tx,
          sender,
          account as FlatAccount,
          env.coinbase,
          env.baseFee,
          out.gasUsed,
        );
        out.gasUsed = receipt.cumulativeGasUsed;
        out.included.push(tx);
        out.receipts.push(receipt);
        continue;
      }
      let res: TxExecution;
      try {
        res = await this.txRunner(bound, block, tx, sender, out.gasUsed);
      } catch (e) {
        reject(i, tx, errorMessage(e));
        continue;
      }
      out.gasUsed += res.gasUsed;
      out.included.push(tx);
      out.receipts.push(toStoredReceipt(tx, res, out.gasUsed, env.baseFee));
    }
  }

  /**
   * Klaytn's block reward, simplified: the whole `mintingAmount` goes to the proposer's rewardbase (no
   * KGF/KIR split, no staking-based distribution). Call once per block, after its transactions.
   */
  async applyBlockReward(state: BlockState, coinbase: Uint8Array): Promise<void> {
    if (this.opts.mintingAmount === 0n) return;
    const account = (await state.account(coinbase)) ?? EMPTY_ACCOUNT;
    state.setAccount(coinbase, { ...account, balance: account.balance + this.opts.mintingAmount });
  }

  /** eth_call: executes `args` on `state` and reverts every change. */
  async call(
    state: StateManagerInterface,
    env: BlockEnv,
    args: CallArgs,
    opts: { gasCap: bigint; timeoutMs: number },
  ): Promise<CallResult> {
    const msg = toCallMessage(args, opts.gasCap, env.baseFee);
    if (typeof msg === "string") return { returnData: EMPTY, gasUsed: 0n, reverted: false, error: msg };
    const bound = await this.vmFor(state);
    bound.ctx.getBlockHash = env.getBlockHash;
    bound.ctx.deadline = opts.timeoutMs > 0 ? Date.now() + opts.timeoutMs : Number.POSITIVE_INFINITY;
    try {
      const r = await runMessage(bound, this.callBlock(env, msg), msg);
      if ("rejected" in r) return { returnData: EMPTY, gasUsed: 0n, reverted: false, error: r.rejected };
      return { returnData: r.returnData, gasUsed: r.gasUsed, reverted: r.reverted, error: r.error };
    } catch (e) {
      if (!(e instanceof CallTimeoutSignal)) throw e;
      // The interrupted interpreter may leave transient storage mid-frame: give this state a fresh VM.
      this.vms.delete(state);
      return {
        returnData: EMPTY,
        gasUsed: 0n,
        reverted: false,
        error: `execution aborted (timeout = ${formatDuration(opts.timeoutMs)})`,
      };
    } finally {
      bound.ctx.deadline = Number.POSITIVE_INFINITY;
    }
  }

  /**
   * eth_estimateGas, geth's algorithm. Throws ExecutionRevertedError when the call reverts at the highest
   * allowance, EVM_GAS_REQUIRED_EXCEEDS_ALLOWANCE when it runs out of gas there, EVM_EXECUTION_FAILED
   * for any other failure.
   */
  async estimateGas(
    state: StateManagerInterface,
    env: BlockEnv,
    args: CallArgs,
    opts: { gasCap: bigint },
  ): Promise<bigint> {
    const msg = toCallMessage(args, opts.gasCap, env.baseFee);
    if (typeof msg === "string") throw new EvmError({ code: EvmErrorCode.EXECUTION_FAILED, reason: msg }, msg);
    let hi = args.gas !== undefined && args.gas >= TX_GAS ? args.gas : env.gasLimit;
    if (msg.feeCap > 0n) {
      const balance = (await state.getAccount(new Address(msg.from)))?.balance ?? 0n;
      if (msg.value >= balance) {
        const reason = "insufficient funds for transfer";
        throw new EvmError({ code: EvmErrorCode.EXECUTION_FAILED, reason }, reason);
      }
      const allowance = (balance - msg.value) / msg.feeCap;
      if (hi > allowance) hi = allowance;
    }
    if (opts.gasCap > 0n && hi > opts.gasCap) hi = opts.gasCap;
    const plainTransfer =
      msg.data.length === 0 && msg.to !== null && (await state.getCodeSize(new Address(msg.to))) === 0;
    const bound = await this.vmFor(state);
    bound.ctx.getBlockHash = env.getBlockHash;
    bound.ctx.deadline = Number.POSITIVE_INFINITY;
    const block = this.callBlock(env, msg);
    return estimateGasWith((gas) => runMessage(bound, block, { ...msg, gas }), {
      hi,
      plainTransfer,
      errorRatio: this.opts.estimateGasErrorRatio,
    });
  }

  /** geth lowers the base fee to 0 for calls that pay nothing, so BASEFEE never exceeds the price paid. */
  private callBlock(env: BlockEnv, msg: Message) {
    return toEthBlock(msg.gasPrice === 0n ? { ...env, baseFee: 0n } : env, this.common);
  }
}

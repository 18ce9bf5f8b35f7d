import { Account, Address } from "@ethereumjs/util";
import { concatBytes, isKnodeError } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import { describe, expect, it } from "vitest";
import { EvmErrorCode } from "../src/index.js";
import { ADDRS, BASE_FEE, dynamicTx, env, fundedState, hex, KEYS, newExecutor, word } from "./helpers.js";
import { compileToken } from "./solc.js";

const GAS_CAP = 50_000_000n;

function selector(sig: string): Uint8Array {
  return keccak256(new TextEncoder().encode(sig)).subarray(0, 4);
}

function transferData(to: Uint8Array, value: bigint): Uint8Array {
  return concatBytes(selector("transfer(address,uint256)"), new Uint8Array(12), to, word(value));
}

async function withToken(supply: bigint) {
  const executor = newExecutor();
  const state = await fundedState();
  const deploy = dynamicTx(KEYS[0], {
    nonce: 0n,
    to: null,
    data: concatBytes(compileToken().bytecode, word(supply)),
    gasLimit: 2_000_000n,
  });
  const res = await executor.executeTransactions({ state, env: env(), txs: [deploy], mode: "import" });
  return { executor, state, token: res.receipts[0].contractAddress as Uint8Array };
}

describe("estimateGas", () => {
  it("answers 21000 for a plain transfer", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    const gas = await executor.estimateGas(
      state,
      env(),
      { from: ADDRS[0], to: ADDRS[1], value: 1n },
      { gasCap: GAS_CAP },
    );
    expect(gas).toBe(21000n);
  });

  it("finds a limit that suffices, within geth's 1.5% tolerance of the minimum", async () => {
    const { executor, state, token } = await withToken(1000n);
    const args = { from: ADDRS[0], to: token, data: transferData(ADDRS[1], 10n) };
    const est = await executor.estimateGas(state, env(), args, { gasCap: GAS_CAP });
    const opts = { gasCap: GAS_CAP, timeoutMs: 5000 };
    const atEst = await executor.call(state, env(), { ...args, gas: est }, opts);
    expect(atEst.reverted || atEst.error !== undefined).toBe(false);
    const below = await executor.call(state, env(), { ...args, gas: (est * 985n) / 1000n }, opts);
    expect(below.error).toBe("out of gas");
    // The estimate is a gas limit, not usage: the tx run with it succeeds.
    const tx = dynamicTx(KEYS[0], { nonce: 1n, to: token, data: args.data, gasLimit: est });
    const res = await executor.executeTransactions({ state, env: env(), txs: [tx], mode: "import" });
    expect(res.receipts[0].status).toBe(1);
    expect(res.receipts[0].gasUsed).toBeLessThanOrEqual(est);
  });

  it("covers gas that is refunded afterwards (clearing a balance slot)", async () => {
    const { executor, state, token } = await withToken(1000n);
    const args = { from: ADDRS[0], to: token, data: transferData(ADDRS[1], 1000n) };
    const est = await executor.estimateGas(state, env(), args, { gasCap: GAS_CAP });
    const tx = dynamicTx(KEYS[0], { nonce: 1n, to: token, data: args.data, gasLimit: est });
    const res = await executor.executeTransactions({ state, env: env(), txs: [tx], mode: "import" });
    expect(res.receipts[0].status).toBe(1);
    // Zeroing the sender's slot refunds 4800 (EIP-3529): the estimate must cover the gas before the refund.
    expect(est - res.receipts[0].gasUsed).toBeGreaterThanOrEqual(4800n);
  });

  it("reports 'gas required exceeds allowance' when even the cap runs out", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    const loop = new Address(hex("00000000000000000000000000000000000000aa"));
    await state.putCode(loop, hex("5b5f56"));
    const err = await executor
      .estimateGas(state, env(), { to: loop.bytes }, { gasCap: 1_000_000n })
      .catch((e: unknown) => e);
    expect(isKnodeError(err, EvmErrorCode.GAS_REQUIRED_EXCEEDS_ALLOWANCE)).toBe(true);
    expect((err as Error).message).toBe("gas required exceeds allowance (1000000)");
  });

  it("caps the search by what the sender can pay when a price is given", async () => {
    const { executor, state, token } = await withToken(1000n);
    const args = { from: ADDRS[0], to: token, data: transferData(ADDRS[1], 10n) };
    const plenty = await executor.estimateGas(state, env(), { ...args, gasPrice: BASE_FEE }, { gasCap: GAS_CAP });
    expect(plenty).toBeGreaterThan(21000n);
    // The token holder keeps its tokens but can now pay for only 30000 gas at that price.
    await state.putAccount(new Address(ADDRS[0]), new Account(1n, 30_000n * BASE_FEE));
    const err = await executor
      .estimateGas(state, env(), { ...args, gasPrice: BASE_FEE }, { gasCap: GAS_CAP })
      .catch((e: unknown) => e);
    expect(isKnodeError(err, EvmErrorCode.GAS_REQUIRED_EXCEEDS_ALLOWANCE)).toBe(true);
    expect((err as Error).message).toBe("gas required exceeds allowance (30000)");
    // Without a price nothing is charged, so the balance does not limit the estimate.
    expect(await executor.estimateGas(state, env(), args, { gasCap: GAS_CAP })).toBe(plenty);
    await state.putAccount(new Address(ADDRS[2]), new Account(0n, 30_000n * BASE_FEE));
    const transferErr = await executor
      .estimateGas(
        state,
        env(),
        { from: ADDRS[2], to: ADDRS[1], value: 30_000n * BASE_FEE, gasPrice: BASE_FEE },
        { gasCap: GAS_CAP },
      )
      .catch((e: unknown) => e);
    expect(isKnodeError(transferErr, EvmErrorCode.EXECUTION_FAILED)).toBe(true);
    expect((transferErr as Error).message).toBe("insufficient funds for transfer");
  });

  it("rejects contradictory fee fields", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    const err = await executor
      .estimateGas(state, env(), { to: ADDRS[1], gasPrice: 1n, maxFeePerGas: 2n }, { gasCap: GAS_CAP })
      .catch((e: unknown) => e);
    expect(isKnodeError(err, EvmErrorCode.EXECUTION_FAILED)).toBe(true);
    expect((err as Error).message).toBe("both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified");
  });
});

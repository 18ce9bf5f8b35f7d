import { isKnodeError, nullLogger } from "@knode/common";
import { EMPTY_BLOOM } from "@knode/types";
import { describe, expect, it } from "vitest";
import { BlockExecutor, EvmErrorCode } from "../src/index.js";
import {
  ADDRS,
  BASE_FEE,
  balanceOf,
  COINBASE,
  dynamicTx,
  env,
  fundedState,
  KEYS,
  legacyTx,
  MINTING,
  newExecutor,
  nonceOf,
  ONE_KLAY,
} from "./helpers.js";

describe("value transfers", () => {
  it("moves value, bumps the nonce, burns the base fee and tips the coinbase", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    const [a, b] = ADDRS;
    const before = { a: await balanceOf(state, a), b: await balanceOf(state, b) };
    const tip = 2_000_000_000n;
    const tx = dynamicTx(KEYS[0], { nonce: 0n, to: b, value: 5n * ONE_KLAY, tip });
    const res = await executor.executeTransactions({ state, env: env(), txs: [tx], mode: "import" });

    expect(res.included).toEqual([tx]);
    expect(res.skipped).toEqual([]);
    expect(res.gasUsed).toBe(21000n);
    const r = res.receipts[0];
    expect(r.status).toBe(1);
    expect(r.txType).toBe(tx.type);
    expect(r.gasUsed).toBe(21000n);
    expect(r.cumulativeGasUsed).toBe(21000n);
    expect(r.effectiveGasPrice).toBe(BASE_FEE + tip);
    expect(r.contractAddress).toBeNull();
    expect(r.logs).toEqual([]);
    expect(r.logsBloom).toEqual(EMPTY_BLOOM);

    expect(await nonceOf(state, a)).toBe(1n);
    expect(await balanceOf(state, b)).toBe(before.b + 5n * ONE_KLAY);
    expect(await balanceOf(state, a)).toBe(before.a - 5n * ONE_KLAY - 21000n * (BASE_FEE + tip));
    // Only the tip reaches the rewardbase; the base fee part leaves the supply.
    expect(await balanceOf(state, COINBASE)).toBe(21000n * tip);
  });

  it("accumulates gas over several txs and recovers a missing sender once", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    const t1 = legacyTx(KEYS[0], { nonce: 0n, to: ADDRS[1], value: 1n, gasPrice: BASE_FEE + 7n });
    const t2 = dynamicTx(KEYS[0], { nonce: 1n, to: ADDRS[2], value: 2n });
    const t3 = dynamicTx(KEYS[1], { nonce: 0n, to: ADDRS[0], value: 3n });
    t1.sender = undefined;
    const res = await executor.executeTransactions({ state, env: env(), txs: [t1, t2, t3], mode: "import" });
    expect(t1.sender).toEqual(ADDRS[0]);
    expect(res.receipts.map((r) => r.cumulativeGasUsed)).toEqual([21000n, 42000n, 63000n]);
    expect(res.receipts[0].effectiveGasPrice).toBe(BASE_FEE + 7n);
    expect(res.gasUsed).toBe(63000n);
    expect(await nonceOf(state, ADDRS[0])).toBe(2n);
    expect(await nonceOf(state, ADDRS[1])).toBe(1n);
    expect(await balanceOf(state, COINBASE)).toBe(21000n * 7n + 2n * 21000n * 1_000_000_000n);
  });
});

describe("unusable transactions", () => {
  it("build mode skips a bad-nonce tx and keeps going", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    const good = dynamicTx(KEYS[0], { nonce: 0n, to: ADDRS[1], value: 1n });
    const gap = dynamicTx(KEYS[1], { nonce: 5n, to: ADDRS[0], value: 1n });
    const next = dynamicTx(KEYS[0], { nonce: 1n, to: ADDRS[1], value: 1n });
    const res = await executor.executeTransactions({ state, env: env(), txs: [good, gap, next], mode: "build" });
    expect(res.included).toEqual([good, next]);
    expect(res.skipped).toHaveLength(1);
    expect(res.skipped[0].tx).toBe(gap);
    expect(res.skipped[0].reason).toMatch(/^nonce too high: address 0x[0-9a-fA-F]{40}, tx: 5 state: 0$/);
    expect(res.receipts.map((r) => r.cumulativeGasUsed)).toEqual([21000n, 42000n]);
    expect(await nonceOf(state, ADDRS[1])).toBe(0n);
  });

  it("import mode rejects the block at the bad tx with its index", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    const good = dynamicTx(KEYS[0], { nonce: 0n, to: ADDRS[1], value: 1n });
    const replay = dynamicTx(KEYS[0], { nonce: 0n, to: ADDRS[1], value: 2n });
    const root = await state.getStateRoot();
    const err = await executor
      .executeTransactions({ state, env: env(), txs: [good, replay], mode: "import" })
      .catch((e: unknown) => e);
    expect(isKnodeError(err, EvmErrorCode.INVALID_BLOCK_TX)).toBe(true);
    expect(err).toMatchObject({ type: { index: 1 } });
    expect((err as Error).message).toContain("nonce too low");
    // The half-applied block is rolled back: the first tx's effects are gone.
    expect(await state.getStateRoot()).toEqual(root);
    expect(await nonceOf(state, ADDRS[0])).toBe(0n);
  });

  it("skips txs that cannot pay, that undercut the base fee, or that exceed the gas left", async () => {
    const executor = newExecutor();
    const state = await fundedState(ONE_KLAY);
    const rich = dynamicTx(KEYS[0], { nonce: 0n, to: ADDRS[1], value: 10n * ONE_KLAY });
    const cheap = dynamicTx(KEYS[1], { nonce: 0n, to: ADDRS[0], maxFee: BASE_FEE - 1n, tip: 0n });
    const big = dynamicTx(KEYS[2], { nonce: 0n, to: ADDRS[0], gasLimit: 30000n });
    const fits = dynamicTx(KEYS[2], { nonce: 0n, to: ADDRS[0] });
    const res = await executor.executeTransactions({
      state,
      env: env({ gasLimit: 21000n }),
      txs: [rich, cheap, big, fits],
      mode: "build",
    });
    expect(res.included).toEqual([fits]);
    expect(res.skipped.map((s) => s.reason.split(":")[0])).toEqual([
      "insufficient funds for gas * price + value",
      "max fee per gas less than block base fee",
      "gas limit reached",
    ]);
  });

  it("rejects a tx signed for another chain", async () => {
    const executor = new BlockExecutor({ chainId: 1002n, mintingAmount: 0n }, { logger: nullLogger() });
    const state = await fundedState();
    const tx = dynamicTx(KEYS[0], { nonce: 0n, to: ADDRS[1] });
    const res = await executor.executeTransactions({ state, env: env(), txs: [tx], mode: "build" });
    expect(res.included).toEqual([]);
    expect(res.skipped[0].reason).toContain("chain id");
  });

  it("stops starting txs once the build deadline has passed", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    const tx = dynamicTx(KEYS[0], { nonce: 0n, to: ADDRS[1], value: 1n });
    const res = await executor.executeTransactions({
      state,
      env: env(),
      txs: [tx],
      mode: "build",
      deadlineMs: Date.now() - 1,
    });
    expect(res.included).toEqual([]);
    expect(res.skipped).toEqual([]);
    expect(await nonceOf(state, ADDRS[0])).toBe(0n);
  });
});

describe("block reward", () => {
  it("mints mintingAmount to the rewardbase", async () => {
    const state = await fundedState();
    await newExecutor().applyBlockReward(state, COINBASE);
    expect(await balanceOf(state, COINBASE)).toBe(MINTING);
    await newExecutor().applyBlockReward(state, COINBASE);
    expect(await balanceOf(state, COINBASE)).toBe(2n * MINTING);
  });

  it("creates no account when nothing is minted", async () => {
    const state = await fundedState();
    const root = await state.getStateRoot();
    await newExecutor(0n).applyBlockReward(state, COINBASE);
    expect(await state.getStateRoot()).toEqual(root);
  });
});

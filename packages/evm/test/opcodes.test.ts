import { Address } from "@ethereumjs/util";
import { describe, expect, it } from "vitest";
import { makeCommon } from "../src/index.js";
import { ADDRS, CHAIN_ID, dynamicTx, env, fundedState, hex, KEYS, newExecutor, word } from "./helpers.js";

const OPTS = { gasCap: 1_000_000n, timeoutMs: 5000 };

// tstore(0, 42); mstore(0x20, tload(0)); mcopy(0, 0x20, 32); sstore(0, mload(0)); return(0, 32)
const CANCUN_CODE = hex(`
  602a 5f 5d
  5f 5c 6020 52
  6020 6020 5f 5e
  5f 51 5f 55
  6020 5f f3`);

// return(tload(0)) after tstore(0, 1): shows whether transient storage survived the previous call.
const TRANSIENT_PROBE = hex("5f5c 5f52 6001 5f5d 6020 5ff3");

// mstore(0, clz(1)); return(0, 32)
const CLZ_CODE = hex("6001 1e 5f52 6020 5ff3");

describe("Cancun opcodes", () => {
  it("runs PUSH0, TSTORE/TLOAD and MCOPY in a block", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    const target = new Address(hex("00000000000000000000000000000000000000c2"));
    await state.putCode(target, CANCUN_CODE);
    const tx = dynamicTx(KEYS[0], { nonce: 0n, to: target.bytes, gasLimit: 100_000n });
    const res = await executor.executeTransactions({ state, env: env(), txs: [tx], mode: "import" });
    expect(res.receipts[0].status).toBe(1);
    expect(await state.getStorage(target, new Uint8Array(32))).toEqual(hex("2a"));
    const call = await executor.call(state, env(), { from: ADDRS[1], to: target.bytes }, OPTS);
    expect(call.returnData).toEqual(word(42n));
  });

  it("clears transient storage between calls", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    const probe = new Address(hex("00000000000000000000000000000000000000c3"));
    await state.putCode(probe, TRANSIENT_PROBE);
    for (let i = 0; i < 2; i++) {
      const res = await executor.call(state, env(), { to: probe.bytes }, OPTS);
      expect(res.returnData).toEqual(word(0n));
    }
  });

  it("also runs CLZ, which solc's Osaka default may emit", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    const target = new Address(hex("00000000000000000000000000000000000000c4"));
    await state.putCode(target, CLZ_CODE);
    const res = await executor.call(state, env(), { to: target.bytes }, OPTS);
    expect(res.returnData).toEqual(word(255n));
  });

  it("makeCommon pins Cancun and the chain id", () => {
    const common = makeCommon(CHAIN_ID);
    expect(common.hardfork()).toBe("cancun");
    expect(common.chainId()).toBe(CHAIN_ID);
    for (const eip of [1153, 3855, 5656, 4844, 1559]) expect(common.isActivatedEIP(eip)).toBe(true);
    expect(common.isActivatedEIP(7702)).toBe(false);
  });
});

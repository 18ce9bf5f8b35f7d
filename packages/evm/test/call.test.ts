import { Address } from "@ethereumjs/util";
import { concatBytes } from "@knode/common";
import { keccak256, sign } from "@knode/crypto";
import { describe, expect, it } from "vitest";
import { ADDRS, BASE_FEE, dynamicTx, env, fundedState, hex, KEYS, newExecutor, word } from "./helpers.js";
import { compileToken } from "./solc.js";

const OPTS = { gasCap: 50_000_000n, timeoutMs: 5000 };
const CONTRACT = new Address(hex("00000000000000000000000000000000000000c1"));

function selector(sig: string): Uint8Array {
  return keccak256(new TextEncoder().encode(sig)).subarray(0, 4);
}

async function withToken() {
  const executor = newExecutor();
  const state = await fundedState();
  const deploy = dynamicTx(KEYS[0], {
    nonce: 0n,
    to: null,
    data: concatBytes(compileToken().bytecode, word(1000n)),
    gasLimit: 2_000_000n,
  });
  const res = await executor.executeTransactions({ state, env: env(), txs: [deploy], mode: "import" });
  return { executor, state, token: res.receipts[0].contractAddress as Uint8Array };
}

describe("eth_call", () => {
  it("defaults: zero-address sender, gas cap as gas, price and BASEFEE 0", async () => {
    const { executor, state, token } = await withToken();
    const res = await executor.call(state, env(), { to: token, data: selector("who()") }, OPTS);
    expect(res.reverted).toBe(false);
    expect(res.error).toBeUndefined();
    expect(res.returnData).toEqual(concatBytes(word(0n), word(0n), word(0n)));
    expect(res.gasUsed).toBeGreaterThan(21000n);

    const priced = await executor.call(
      state,
      env(),
      { from: ADDRS[1], to: token, data: selector("who()"), gasPrice: BASE_FEE + 5n },
      OPTS,
    );
    expect(priced.returnData).toEqual(concatBytes(new Uint8Array(12), ADDRS[1], word(BASE_FEE + 5n), word(BASE_FEE)));
  });

  it("changes nothing in the state", async () => {
    const { executor, state, token } = await withToken();
    const root = await state.getStateRoot();
    const data = concatBytes(selector("transfer(address,uint256)"), new Uint8Array(12), ADDRS[1], word(5n));
    const res = await executor.call(
      state,
      env(),
      { from: ADDRS[0], to: token, data, gasPrice: BASE_FEE, value: 0n },
      OPTS,
    );
    expect(res.returnData).toEqual(word(1n));
    await state.checkpoint();
    await state.commit();
    expect(await state.getStateRoot()).toEqual(root);
  });

  it("runs a creation and returns the deployed code", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    const { bytecode, deployedBytecode } = compileToken();
    const res = await executor.call(state, env(), { from: ADDRS[0], data: concatBytes(bytecode, word(1n)) }, OPTS);
    expect(res.error).toBeUndefined();
    expect(res.returnData).toEqual(deployedBytecode);
  });

  it("reports geth's pre-execution errors", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    const poor = hex("00000000000000000000000000000000000000ee");
    const low = await executor.call(state, env(), { to: ADDRS[1], gas: 100n }, OPTS);
    expect(low.error).toBe("intrinsic gas too low: have 100, want 21000");
    const broke = await executor.call(state, env(), { from: poor, to: ADDRS[1], gasPrice: BASE_FEE }, OPTS);
    expect(broke.error).toMatch(
      /^insufficient funds for gas \* price \+ value: address 0x[0-9a-fA-F]{40} have 0 want \d+$/,
    );
    const noValue = await executor.call(state, env(), { from: poor, to: ADDRS[1], value: 5n }, OPTS);
    expect(noValue.error).toMatch(
      /^insufficient funds for gas \* price \+ value: address 0x[0-9a-fA-F]{40} have 0 want 5$/,
    );
    const underpriced = await executor.call(state, env(), { from: ADDRS[0], to: ADDRS[1], gasPrice: 1n }, OPTS);
    expect(underpriced.error).toContain("max fee per gas less than block base fee");
  });

  it("reports an out-of-gas halt as an error, not a revert", async () => {
    const { executor, state, token } = await withToken();
    const data = concatBytes(selector("transfer(address,uint256)"), new Uint8Array(12), ADDRS[1], word(5n));
    const res = await executor.call(state, env(), { from: ADDRS[0], to: token, data, gas: 23_000n }, OPTS);
    expect(res).toMatchObject({ reverted: false, error: "out of gas" });
  });

  it("aborts a runaway loop at the timeout and leaves the state usable", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    await state.putCode(CONTRACT, hex("5b5f56")); // JUMPDEST PUSH0 JUMP
    const root = await state.getStateRoot();
    const started = Date.now();
    const res = await executor.call(state, env(), { to: CONTRACT.bytes }, { gasCap: 10n ** 12n, timeoutMs: 100 });
    expect(res.error).toBe("execution aborted (timeout = 100ms)");
    expect(Date.now() - started).toBeLessThan(5000);
    const after = await executor.call(state, env(), { from: ADDRS[0], to: ADDRS[1], value: 1n }, OPTS);
    expect(after).toMatchObject({ reverted: false, error: undefined, gasUsed: 21000n });
    await state.checkpoint();
    await state.commit();
    expect(await state.getStateRoot()).toEqual(root);
  });

  it("reaches the ecrecover precompile through the native binding", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    const hash = keccak256(new TextEncoder().encode("knode"));
    const sig = sign(hash, KEYS[2]);
    const input = concatBytes(hash, word(27n + BigInt(sig[64])), sig.subarray(0, 64));
    const res = await executor.call(
      state,
      env(),
      { to: hex("0000000000000000000000000000000000000001"), data: input },
      OPTS,
    );
    expect(res.returnData).toEqual(concatBytes(new Uint8Array(12), ADDRS[2]));
  });

  it("answers BLOCKHASH from the env's hash source", async () => {
    const executor = newExecutor();
    const state = await fundedState();
    // BLOCKHASH(calldata[0]) returned as a word.
    await state.putCode(CONTRACT, hex("5f35 40 5f52 60205ff3"));
    const hashOf = (n: bigint) => keccak256(word(n));
    const e = env({ number: 300n, getBlockHash: async (n: bigint) => hashOf(n) });
    const at = async (n: bigint) =>
      (await executor.call(state, e, { to: CONTRACT.bytes, data: word(n) }, OPTS)).returnData;
    expect(await at(299n)).toEqual(hashOf(299n));
    expect(await at(44n)).toEqual(hashOf(44n));
    expect(await at(43n)).toEqual(new Uint8Array(32)); // older than 256 blocks
    expect(await at(300n)).toEqual(new Uint8Array(32)); // the current block
    const noSource = await executor.call(state, env({ number: 300n }), { to: CONTRACT.bytes, data: word(299n) }, OPTS);
    expect(noSource.returnData).toEqual(new Uint8Array(32));
  });
});

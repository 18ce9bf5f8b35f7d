import { Address } from "@ethereumjs/util";
import { concatBytes } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import { bloomMayContain, logsBloom } from "@knode/types";
import { beforeAll, describe, expect, it } from "vitest";
import { contractAddressOf, decodeRevertReason, ExecutionRevertedError } from "../src/index.js";
import { ADDRS, dynamicTx, env, fundedState, hex, KEYS, newExecutor, word } from "./helpers.js";
import { compileToken, opcodesOf } from "./solc.js";

const SUPPLY = 1_000_000n;
const TRANSFER_TOPIC = keccak256(new TextEncoder().encode("Transfer(address,address,uint256)"));

function selector(sig: string): Uint8Array {
  return keccak256(new TextEncoder().encode(sig)).subarray(0, 4);
}

function addrWord(a: Uint8Array): Uint8Array {
  return concatBytes(new Uint8Array(12), a);
}

function transferData(to: Uint8Array, value: bigint): Uint8Array {
  return concatBytes(selector("transfer(address,uint256)"), addrWord(to), word(value));
}

function balanceOfData(a: Uint8Array): Uint8Array {
  return concatBytes(selector("balanceOf(address)"), addrWord(a));
}

async function deployToken() {
  const executor = newExecutor();
  const state = await fundedState();
  const { bytecode } = compileToken();
  const deploy = dynamicTx(KEYS[0], {
    nonce: 0n,
    to: null,
    data: concatBytes(bytecode, word(SUPPLY)),
    gasLimit: 2_000_000n,
  });
  const res = await executor.executeTransactions({ state, env: env(), txs: [deploy], mode: "import" });
  const token = res.receipts[0].contractAddress as Uint8Array;
  return { executor, state, token, deployReceipt: res.receipts[0] };
}

describe("solc-compiled token", () => {
  beforeAll(() => {
    compileToken();
  });

  it("compiles with solc's default EVM version to code using PUSH0 and TSTORE/TLOAD", () => {
    const c = compileToken();
    expect(["cancun", "prague", "osaka"]).toContain(c.evmVersion);
    const ops = opcodesOf(c.deployedBytecode);
    expect(ops.has(0x5f)).toBe(true);
    expect(ops.has(0x5c) && ops.has(0x5d)).toBe(true);
  });

  it("deploys: receipt names the CREATE address, code is stored, the mint is logged", async () => {
    const { state, token, deployReceipt } = await deployToken();
    expect(deployReceipt.status).toBe(1);
    expect(token).toEqual(contractAddressOf(ADDRS[0], 0n));
    expect(await state.getCode(new Address(token))).toEqual(compileToken().deployedBytecode);
    expect(deployReceipt.logs).toHaveLength(1);
    expect(deployReceipt.logs[0].topics).toEqual([TRANSFER_TOPIC, new Uint8Array(32), addrWord(ADDRS[0])]);
    expect(deployReceipt.logs[0].data).toEqual(word(SUPPLY));
  });

  it("transfers: Transfer log fields and bloom, balances readable through eth_call", async () => {
    const { executor, state, token } = await deployToken();
    const tx = dynamicTx(KEYS[0], { nonce: 1n, to: token, data: transferData(ADDRS[1], 250n), gasLimit: 200_000n });
    const res = await executor.executeTransactions({ state, env: env(), txs: [tx], mode: "import" });
    const r = res.receipts[0];
    expect(r.status).toBe(1);
    expect(r.gasUsed).toBeGreaterThan(21000n);
    expect(r.logs).toEqual([
      { address: token, topics: [TRANSFER_TOPIC, addrWord(ADDRS[0]), addrWord(ADDRS[1])], data: word(250n) },
    ]);
    expect(r.logsBloom).toEqual(logsBloom(r.logs));
    for (const item of [token, TRANSFER_TOPIC, addrWord(ADDRS[0]), addrWord(ADDRS[1])]) {
      expect(bloomMayContain(r.logsBloom, item)).toBe(true);
    }
    expect(bloomMayContain(r.logsBloom, addrWord(ADDRS[2]))).toBe(false);

    const opts = { gasCap: 50_000_000n, timeoutMs: 5000 };
    const b1 = await executor.call(state, env(), { to: token, data: balanceOfData(ADDRS[1]) }, opts);
    expect(b1).toMatchObject({ reverted: false, error: undefined, returnData: word(250n) });
    const b0 = await executor.call(state, env(), { to: token, data: balanceOfData(ADDRS[0]) }, opts);
    expect(b0.returnData).toEqual(word(SUPPLY - 250n));
  });

  it("a reverting tx is included with status 0 and pays for its gas", async () => {
    const { executor, state, token } = await deployToken();
    const tx = dynamicTx(KEYS[1], { nonce: 0n, to: token, data: transferData(ADDRS[0], 1n), gasLimit: 100_000n });
    const res = await executor.executeTransactions({ state, env: env(), txs: [tx], mode: "import" });
    expect(res.included).toEqual([tx]);
    expect(res.receipts[0].status).toBe(0);
    expect(res.receipts[0].logs).toEqual([]);
    expect(res.receipts[0].gasUsed).toBeGreaterThan(21000n);
    expect(res.receipts[0].gasUsed).toBeLessThan(100_000n);
  });

  it("call and estimateGas report a revert reason and its data", async () => {
    const { executor, state, token } = await deployToken();
    const args = { from: ADDRS[1], to: token, data: transferData(ADDRS[0], 1n) };
    const res = await executor.call(state, env(), args, { gasCap: 50_000_000n, timeoutMs: 5000 });
    expect(res.reverted).toBe(true);
    expect(res.returnData.subarray(0, 4)).toEqual(hex("08c379a0"));
    expect(decodeRevertReason(res.returnData)).toBe("insufficient balance");

    const err = await executor.estimateGas(state, env(), args, { gasCap: 50_000_000n }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecutionRevertedError);
    const rev = err as ExecutionRevertedError;
    expect(rev.message).toBe("execution reverted: insufficient balance");
    expect(rev.reason).toBe("insufficient balance");
    expect(rev.data).toEqual(res.returnData);
  });

  it("decodes a Panic and leaves custom errors undecoded", async () => {
    const { executor, state, token } = await deployToken();
    const opts = { gasCap: 50_000_000n, timeoutMs: 5000 };
    const div = await executor.call(
      state,
      env(),
      { to: token, data: concatBytes(selector("divide(uint256)"), word(0n)) },
      opts,
    );
    expect(div.reverted).toBe(true);
    expect(div.returnData).toEqual(concatBytes(selector("Panic(uint256)"), word(0x12n)));
    expect(decodeRevertReason(div.returnData)).toBe("division or modulo by zero");

    const custom = await executor.call(state, env(), { to: token, data: selector("custom()") }, opts);
    expect(custom.reverted).toBe(true);
    expect(custom.returnData).toEqual(concatBytes(selector("Custom(uint256)"), word(7n)));
    expect(decodeRevertReason(custom.returnData)).toBeUndefined();
    const err = await executor
      .estimateGas(state, env(), { to: token, data: selector("custom()") }, { gasCap: 1_000_000n })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecutionRevertedError);
    expect((err as ExecutionRevertedError).message).toBe("execution reverted");
    expect((err as ExecutionRevertedError).data).toEqual(custom.returnData);
  });
});

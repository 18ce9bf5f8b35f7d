import { Address } from "@ethereumjs/util";
import { concatBytes, nullLogger } from "@knode/common";
import { afterEach, describe, expect, it } from "vitest";
import { createBoundVm } from "../src/boundVm.js";
import { BlockExecutor, EvmError, EvmErrorCode, makeCommon } from "../src/index.js";
import {
  cachedJumpAnalyses,
  enableJumpAnalysisCache,
  installJumpAnalysisCache,
  type PatchState,
} from "../src/jumpAnalysisCache.js";
import { ADDRS, CHAIN_ID, env, fundedState, KEYS, legacyTx, word } from "./helpers.js";
import { abiCall, compileLab } from "./labContract.js";

/** Counts calls to the interpreter's own analysis until the test ends. */
async function countAnalyses(): Promise<{ patch: PatchState; count: () => number }> {
  const patch = await installJumpAnalysisCache();
  const original = patch.analyze;
  let n = 0;
  patch.analyze = function (this: unknown, code: Uint8Array) {
    n++;
    return original.call(this, code);
  };
  restore = () => {
    patch.analyze = original;
  };
  return { patch, count: () => n };
}

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

/** `size` bytes of code that JUMPs (so the interpreter analyses it), distinct per `tag`. */
function jumpingCode(tag: number, size: number): Uint8Array {
  const head = [0x60, 0x04, 0x56, 0xfe, 0x5b];
  const filler: number[] = [];
  while (head.length + filler.length + 4 <= size) filler.push(0x60, tag & 0xff, 0x50);
  return Uint8Array.from([...head, ...filler, 0x00]);
}

async function vmWithCache(maxCodeBytes?: number) {
  const bound = await createBoundVm(makeCommon(CHAIN_ID), await fundedState());
  if (maxCodeBytes !== undefined) await enableJumpAnalysisCache(bound.vm.evm, { maxCodeBytes });
  return bound;
}

async function call(
  evm: { runCall: (o: object) => Promise<{ execResult: { exceptionError?: unknown } }> },
  code: Uint8Array,
) {
  const res = await evm.runCall({
    caller: new Address(ADDRS[0]),
    to: new Address(Uint8Array.from({ length: 20 }, (_, i) => i + 1)),
    code,
    gasLimit: 1_000_000n,
  });
  expect(res.execResult.exceptionError).toBeUndefined();
}

describe("jump analysis cache", () => {
  it("analyses a code once however many frames run it, and every time without the cache", async () => {
    const { count } = await countAnalyses();
    const code = jumpingCode(1, 300);
    const cached = await vmWithCache(1 << 16);
    for (let i = 0; i < 25; i++) await call(cached.vm.evm, code);
    expect(count()).toBe(1);
    const plain = await vmWithCache();
    for (let i = 0; i < 25; i++) await call(plain.vm.evm, code);
    expect(count()).toBe(26);
  });

  it("keeps at most maxCodeBytes of code per EVM, evicting the oldest", async () => {
    const { patch, count } = await countAnalyses();
    const bound = await vmWithCache(2000);
    const codes = Array.from({ length: 10 }, (_, i) => jumpingCode(i, 500));
    for (const code of codes) await call(bound.vm.evm, code);
    const held = cachedJumpAnalyses(patch, bound.vm.evm);
    expect(held?.bytes).toBeLessThanOrEqual(2000);
    expect(held?.entries).toBe(4);
    expect(count()).toBe(10);
    // The newest stay cached; the first was evicted and is analysed again.
    await call(bound.vm.evm, codes[9]);
    expect(count()).toBe(10);
    await call(bound.vm.evm, codes[0]);
    expect(count()).toBe(11);
  });

  it("block execution analyses a called contract once per block instead of once per call", async () => {
    const { count } = await countAnalyses();
    const { lab } = compileLab();
    const state = await fundedState();
    const executor = new BlockExecutor({ chainId: CHAIN_ID }, { logger: nullLogger() });
    const deploy = legacyTx(KEYS[0], { nonce: 0n, to: null, data: lab, gasLimit: 3_000_000n });
    const created = await executor.executeTransactions({ state, env: env(), txs: [deploy], mode: "import" });
    const labAddr = created.receipts[0].contractAddress as Uint8Array;
    const before = count();
    const txs = Array.from({ length: 30 }, (_, i) =>
      legacyTx(KEYS[1], {
        nonce: BigInt(i),
        to: labAddr,
        data: abiCall("set(uint256,uint256)", [BigInt(i), 1n]),
        gasLimit: 100_000n,
      }),
    );
    const res = await executor.executeTransactions({ state, env: env(), txs, mode: "import" });
    expect(res.receipts.every((r) => r.status === 1)).toBe(true);
    expect(count() - before).toBe(1);
  });

  it("caches nothing for initcode, which may alias memory", async () => {
    const { count } = await countAnalyses();
    const bound = await vmWithCache(1 << 16);
    const init = concatBytes(jumpingCode(3, 64), word(0n));
    for (let i = 0; i < 3; i++) {
      await bound.vm.evm.runCall({ caller: new Address(ADDRS[0]), data: init, gasLimit: 1_000_000n });
    }
    expect(count()).toBe(3);
  });

  it("refuses an EVM without the opcode table it keys on", async () => {
    await expect(enableJumpAnalysisCache({})).rejects.toSatisfy(
      (e: unknown) => e instanceof EvmError && e.code === EvmErrorCode.UNSUPPORTED_EVM_BUILD,
    );
  });
});

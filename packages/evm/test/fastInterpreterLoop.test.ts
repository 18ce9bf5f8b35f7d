import { SimpleStateManager } from "@ethereumjs/statemanager";
import { Account, Address } from "@ethereumjs/util";
import { createVM, type VM } from "@ethereumjs/vm";
import { bytesToHex, seededRandom } from "@knode/common";
import { beforeAll, describe, expect, it } from "vitest";
import { toEthBlock } from "../src/blockEnv.js";
import { enableFastInterpreterLoop, fastLoopFrames, installFastInterpreterLoop } from "../src/fastInterpreterLoop.js";
import { makeCommon } from "../src/makeCommon.js";
import { CHAIN_ID, env } from "./helpers.js";

const CALLER = new Address(Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i));
/** Contracts the programs call into: each runs a random program of its own. */
const CALLEES = [1, 2, 3].map((i) => new Address(Uint8Array.from({ length: 20 }, (_, j) => (j === 19 ? i : 0x42))));
const MAIN = new Address(Uint8Array.from({ length: 20 }, (_, j) => (j === 19 ? 0x99 : 0x42)));

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const small = (r: Rand) => Math.floor(r() * 96);

function push(n: number | bigint): number[] {
  let v = BigInt(n);
  const bytes: number[] = [];
  while (v > 0n) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  if (bytes.length === 0) return [0x5f]; // PUSH0
  return [0x5f + bytes.length, ...bytes];
}

/** Storage keys the programs write and the test reads back: small ones and full 256-bit ones. */
const STORAGE_KEYS = [0n, 1n, 2n, 3n, 4n, 1n << 255n, 0xdeadbeefn << 128n, (1n << 256n) - 1n];

/** A 256-bit word of a random shape: small, full, a single bit, or a run of ones (leading zeros). */
function word(r: Rand): bigint {
  const shape = Math.floor(r() * 4);
  if (shape === 0) return BigInt(Math.floor(r() * 1000));
  if (shape === 2) return 1n << BigInt(Math.floor(r() * 256));
  if (shape === 3) return ((1n << 256n) - 1n) >> BigInt(Math.floor(r() * 256));
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 32n) | BigInt(Math.floor(r() * 2 ** 32));
  return v;
}

/** A memory offset: mostly small, sometimes past the first 8 KiB the memory starts with. */
const memOffset = (r: Rand) => (r() < 0.15 ? 8_000 + Math.floor(r() * 4_000) : small(r) * 8 + Math.floor(r() * 32));

const STRAIGHT_KINDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 19, 20, 21, 22];

const BINARY = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x17, 0x18];
const SHIFTS = [0x1a, 0x1b, 0x1c, 0x1d];
const NULLARY = [
  0x30, 0x32, 0x33, 0x34, 0x36, 0x38, 0x3a, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x58, 0x59, 0x5a,
];

/**
 * A random program that mostly keeps its stack balanced (so it runs deep) and exercises every kind of
 * dispatch: static and dynamic gas, sync and async handlers, PUSH1-32 (including a truncated one at the
 * end), jumps to JUMPDESTs, memory growth, storage and transient storage, logs, calls into other random
 * programs, and now and then an invalid opcode, a stack underflow or raw random bytes.
 */
function randomProgram(r: Rand, depth: number, straight = false): Uint8Array {
  const code: number[] = [];
  const jumpdests: number[] = [];
  const pendingJumps: number[] = [];
  const snippets = 10 + Math.floor(r() * 40);
  for (let i = 0; i < snippets; i++) {
    // Straight-line programs leave out jumps, calls and invalid bytes, so they nearly always run to
    // the end and their gas shows every opcode's charge.
    const kind = straight ? pick(r, STRAIGHT_KINDS) : Math.floor(r() * 24);
    if (kind === 0)
      code.push(...push(BigInt(Math.floor(r() * 2 ** 32)) * BigInt(Math.floor(r() * 2 ** 32)) ** 3n), 0x50);
    else if (kind === 1) code.push(...push(small(r)), ...push(Math.floor(r() * 1e9)), pick(r, BINARY));
    else if (kind === 2) code.push(...push(small(r)), ...push(Math.floor(r() * 300)), pick(r, SHIFTS));
    else if (kind === 3) code.push(pick(r, NULLARY));
    else if (kind === 4)
      code.push(...push(Math.floor(r() * 1e6)), ...push(small(r) * 8), 0x52); // MSTORE
    else if (kind === 5)
      code.push(...push(small(r) * 4), 0x51, ...push(7), 0x53); // MLOAD, MSTORE8
    else if (kind === 6)
      code.push(...push(Math.floor(r() * 3)), ...push(Math.floor(r() * 5)), 0x55); // SSTORE (incl. clears)
    else if (kind === 7)
      code.push(...push(Math.floor(r() * 5)), 0x54); // SLOAD
    else if (kind === 8) code.push(...push(Math.floor(r() * 9)), ...push(Math.floor(r() * 3)), 0x5d, ...push(1), 0x5c);
    else if (kind === 9)
      code.push(...push(small(r)), ...push(small(r)), 0x20); // KECCAK256
    else if (kind === 10) {
      const topics = Math.floor(r() * 5);
      for (let t = 0; t < topics; t++) code.push(...push(Math.floor(r() * 1e6)));
      code.push(...push(small(r)), ...push(small(r)), 0xa0 + topics);
    } else if (kind === 11) {
      jumpdests.push(code.length);
      code.push(0x5b);
    } else if (kind === 12 && depth < 2) {
      // CALL / STATICCALL / DELEGATECALL a callee with little gas and small buffers.
      const op = pick(r, [0xf1, 0xfa, 0xf4]);
      code.push(...push(small(r)), ...push(small(r)), ...push(small(r)), ...push(small(r)));
      if (op === 0xf1) code.push(...push(Math.floor(r() * 3)));
      code.push(
        ...push(pick(r, CALLEES).bytes.reduce((a, b) => a * 256n + BigInt(b), 0n)),
        ...push(3000 + small(r) * 500),
        op,
      );
    } else if (kind === 13 && jumpdests.length > 0 && r() < 0.5) {
      // A conditional jump back to an earlier JUMPDEST: loops until gas or the condition runs out.
      code.push(...push(Math.floor(r() * 2)), ...push(pick(r, jumpdests)), 0x57);
    } else if (kind === 13) {
      pendingJumps.push(code.length + 1);
      code.push(0x61, 0, 0, 0x56); // PUSH2 <patched forward target> JUMP
    } else if (kind === 14)
      code.push(...push(small(r)), ...push(small(r)), ...push(small(r)), 0x5e); // MCOPY
    else if (kind === 15)
      code.push(...push(word(r)), ...push(memOffset(r)), 0x52); // MSTORE, unaligned
    else if (kind === 16)
      code.push(...push(memOffset(r)), 0x51, ...push(small(r) * 4), 0x52); // MLOAD → MSTORE
    else if (kind === 17)
      code.push(...push(word(r)), ...push(pick(r, STORAGE_KEYS)), 0x55); // SSTORE, any word
    else if (kind === 18)
      code.push(...push(pick(r, STORAGE_KEYS)), 0x54, ...push(small(r) * 4), 0x52); // SLOAD → MSTORE
    else if (kind === 19) {
      const topics = Math.floor(r() * 5);
      for (let t = 0; t < topics; t++) code.push(...push(word(r)));
      code.push(...push(small(r)), ...push(small(r)), 0xa0 + topics);
    } else if (kind === 20)
      code.push(...push(Math.floor(r() * 120)), 0x35, ...push(small(r) * 4), 0x52); // CALLDATALOAD → MSTORE
    else if (kind === 21) {
      // CALLDATACOPY / CODECOPY / RETURNDATACOPY (size, source offset, destination)
      code.push(...push(small(r)), ...push(Math.floor(r() * 120)), ...push(small(r) * 4));
      code.push(straight ? pick(r, [0x37, 0x39]) : pick(r, [0x37, 0x39, 0x3e]));
    } else if (kind === 22)
      code.push(...push(word(r)), ...push(Math.floor(r() * 7)), 0x0a, ...push(small(r) * 4), 0x52); // EXP → MSTORE
    else if (r() < 0.3) code.push(pick(r, [0xfe, 0x0c, 0x01, 0x5c, 0xef]));
    else code.push(...Array.from({ length: 1 + Math.floor(r() * 4) }, () => Math.floor(r() * 256)));
  }
  // Forward jumps land on a JUMPDEST placed after them, or (one in four) on a non-JUMPDEST.
  for (const at of pendingJumps) {
    const target = r() < 0.75 ? code.length : Math.floor(r() * code.length);
    if (target === code.length) code.push(0x5b);
    code[at] = target >> 8;
    code[at + 1] = target & 0xff;
  }
  code.push(...push(small(r)), ...push(small(r)), straight ? 0xf3 : pick(r, [0xf3, 0xfd, 0x00, 0x60]));
  return Uint8Array.from(code);
}

async function vmWith(programs: Map<string, Uint8Array>, fast: boolean): Promise<VM> {
  const vm = await createVM({ common: makeCommon(CHAIN_ID), stateManager: new SimpleStateManager() });
  await vm.stateManager.putAccount(CALLER, new Account(0n, 10n ** 20n));
  for (const [hex, code] of programs) {
    const a = new Address(Uint8Array.from(Buffer.from(hex.slice(2), "hex")));
    await vm.stateManager.putAccount(a, new Account(0n, 1000n));
    await vm.stateManager.putCode(a, code);
    await vm.stateManager.putStorage(a, new Uint8Array(32).fill(1, 31), Uint8Array.of(5));
  }
  if (fast) enableFastInterpreterLoop(vm.evm);
  return vm;
}

async function outcome(vm: VM, gasLimit: bigint, data: Uint8Array) {
  const block = toEthBlock(env(), vm.common);
  const res = await vm.evm.runCall({ block, caller: CALLER, origin: CALLER, to: MAIN, gasLimit, data, value: 7n });
  const exec = res.execResult;
  const storage: string[] = [];
  for (const a of [MAIN, ...CALLEES]) {
    for (const k of STORAGE_KEYS) {
      const key = Uint8Array.from(Buffer.from(k.toString(16).padStart(64, "0"), "hex"));
      storage.push(bytesToHex(await vm.stateManager.getStorage(a, key)));
    }
  }
  return {
    error: exec.exceptionError?.error,
    returnValue: bytesToHex(exec.returnValue),
    gasUsed: exec.executionGasUsed,
    refund: exec.gasRefund,
    logs: (exec.logs ?? []).map(([addr, topics, d]) => [bytesToHex(addr), topics.map(bytesToHex), bytesToHex(d)]),
    storage,
  };
}

describe("fast interpreter loop", () => {
  beforeAll(() => installFastInterpreterLoop());

  it("gives exactly the original loop's results on 400 random programs (calls, jumps, memory, storage, logs, failures)", async () => {
    const r = seededRandom(20261126);
    const before = fastLoopFrames();
    const errors = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const programs = new Map<string, Uint8Array>([[MAIN.toString(), randomProgram(r, 0)]]);
      for (const c of CALLEES) programs.set(c.toString(), randomProgram(r, 1));
      const gasLimit = BigInt(5_000 + Math.floor(r() * 200_000));
      const data = Uint8Array.from({ length: small(r) }, () => Math.floor(r() * 256));
      const reference = await outcome(await vmWith(programs, false), gasLimit, data);
      const fast = await outcome(await vmWith(programs, true), gasLimit, data);
      expect(fast, `program ${i}`).toEqual(reference);
      errors.add((reference.error ?? "success").replace(/ at .*/, ""));
    }
    // The programs reach every kind of ending, and the fast loop really ran them (callee frames included).
    for (const e of ["success", "out of gas", "revert", "invalid opcode", "invalid JUMP", "stack underflow"]) {
      expect([...errors]).toContain(e);
    }
    expect(fastLoopFrames() - before).toBeGreaterThan(400);
  });

  it("charges and computes exactly as the original on 300 straight-line programs of full 256-bit words", async () => {
    const r = seededRandom(7);
    let succeeded = 0;
    for (let i = 0; i < 300; i++) {
      const programs = new Map<string, Uint8Array>([[MAIN.toString(), randomProgram(r, 0, true)]]);
      const data = Uint8Array.from({ length: small(r) }, () => Math.floor(r() * 256));
      const reference = await outcome(await vmWith(programs, false), 2_000_000n, data);
      const fast = await outcome(await vmWith(programs, true), 2_000_000n, data);
      expect(fast, `program ${i}`).toEqual(reference);
      if (reference.error === undefined) succeeded++;
    }
    // Most run to their end, so gas used adds up every opcode's charge rather than "all of it".
    expect(succeeded).toBeGreaterThan(270);
  });

  it("keeps the handler of an opcode an EVM defines itself (custom MSTORE)", async () => {
    let customRuns = 0;
    const vm = await createVM({
      common: makeCommon(CHAIN_ID),
      stateManager: new SimpleStateManager(),
      evmOpts: {
        customOpcodes: [
          {
            opcode: 0x52,
            opcodeName: "MSTORE",
            baseFee: 3,
            logicFunction: (runState) => {
              runState.stack.popN(2);
              customRuns++;
            },
          },
        ],
      },
    });
    await vm.stateManager.putAccount(CALLER, new Account(0n, 10n ** 20n));
    // MSTORE(0, 0xff) then RETURN(0, 32): the custom MSTORE writes nothing, so 32 zero bytes come back.
    await vm.stateManager.putCode(MAIN, Uint8Array.from([0x60, 0xff, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3]));
    enableFastInterpreterLoop(vm.evm);
    const before = fastLoopFrames();
    const block = toEthBlock(env(), vm.common);
    const res = await vm.evm.runCall({ block, caller: CALLER, to: MAIN, gasLimit: 100_000n });
    expect(fastLoopFrames()).toBe(before + 1);
    expect(customRuns).toBe(1);
    expect(res.execResult.returnValue).toEqual(new Uint8Array(32));
  });

  it("builds a frame's merged runState only when it is read, with the original's fields", async () => {
    const programs = new Map([[MAIN.toString(), randomProgram(seededRandom(11), 0, true)]]);
    const frames = [];
    for (const fast of [false, true]) {
      const vm = await vmWith(programs, fast);
      const block = toEthBlock(env(), vm.common);
      const res = await vm.evm.runCall({ block, caller: CALLER, to: MAIN, gasLimit: 2_000_000n, value: 7n });
      frames.push(res.execResult.runState as unknown as Record<string, unknown>);
    }
    const [reference, fast] = frames;
    expect(Object.keys(fast).sort()).toEqual(Object.keys(reference).sort());
    const primitives = (f: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(f).filter(([, v]) => typeof v !== "object" && typeof v !== "function"));
    expect(primitives(fast)).toEqual(primitives(reference));
    expect(String(fast.address)).toBe(MAIN.toString());
  });

  it("leaves EVMs that did not opt in, and traced runs, on the original loop", async () => {
    const programs = new Map([[MAIN.toString(), randomProgram(seededRandom(3), 0)]]);
    const plain = await vmWith(programs, false);
    const traced = await vmWith(programs, true);
    let steps = 0;
    traced.evm.events.on("step", () => {
      steps++;
    });
    const before = fastLoopFrames();
    await outcome(plain, 100_000n, new Uint8Array(0));
    await outcome(traced, 100_000n, new Uint8Array(0));
    expect(fastLoopFrames()).toBe(before);
    expect(steps).toBeGreaterThan(0);
  });
});

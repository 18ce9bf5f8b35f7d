import { type Common, Hardfork } from "@ethereumjs/common";
import { importEvmInternal, unsupportedEvmBuild } from "./evmInternals.js";
import {
  bytesToWord,
  bytesToWordLeftAligned,
  readWord,
  storageComparable,
  wordToBytes,
  wordToMinimalBytes,
  writeWord,
} from "./evmWords.js";

/*
 * Drop-in replacements for the few @ethereumjs/evm opcode and gas handlers an ERC-20 call spends its
 * time in, used only by the fast interpreter loop (fastInterpreterLoop.ts) and only where the opcode
 * still has its stock handler (custom opcodes keep theirs). Two kinds of waste go away:
 * - words converted through hex strings and spread-padded arrays (MSTORE, MLOAD, CALLDATALOAD, SLOAD
 *   and SSTORE keys, LOG topics): see evmWords.ts;
 * - `async` gas handlers that never await (memory expansion, copies, KECCAK256, LOG, RETURN, EXP,
 *   SLOAD's warm/cold charge): each cost a promise and a microtask per opcode. Here they are plain
 *   functions built from the same ethereumjs helpers (subMemUsage, divCeil, accessStorageEIP2929).
 * SSTORE's gas stays async (it reads storage) but converts its words here, and applies only under the
 * rules the fast loop runs (Istanbul+ EIP-2200 with EIP-2929; see `sstoreGasApplies`).
 *
 * The replacements assume what the fast loop's eligibility guarantees: no EOF (3540), no Verkle or
 * binary-tree witnesses (6800, 7864), no block access list (7928) and no state gas (8037). The
 * differential test in fastInterpreterLoop.test.ts runs random programs through both loops.
 */

export interface RunStateLike {
  opCode: number;
  stack: {
    pop(): bigint;
    popN(n: number): bigint[];
    peek(n?: number): bigint[];
    push(v: bigint): void;
  };
  memory: { _store: Uint8Array; extend(offset: number, size: number): void; read(o: number, s: number): Uint8Array };
  interpreter: {
    getCallData(): Uint8Array;
    storageLoad(key: Uint8Array, original?: boolean, trackBAL?: boolean): Promise<Uint8Array>;
    storageStore(key: Uint8Array, value: Uint8Array): Promise<void>;
    log(data: Uint8Array, topicCount: number, topics: Uint8Array[]): void;
    isStatic(): boolean;
    getReturnDataSize(): bigint;
  };
  env: { eof?: unknown };
}

export type OpHandler = (rs: RunStateLike, common: Common) => unknown;
export type GasHandler = (rs: RunStateLike, gas: bigint, common: Common) => bigint | Promise<bigint>;

export interface FastOpcodes {
  /** Replacement logic by opcode, used where `stockOps[op]` is still the opcode's handler. */
  ops: (OpHandler | undefined)[];
  stockOps: (OpHandler | undefined)[];
  /** Replacement gas by opcode, without SSTORE / with SSTORE (see sstoreGasApplies). */
  gas: (GasHandler | undefined)[];
  gasWithSstore: (GasHandler | undefined)[];
  stockGas: (GasHandler | undefined)[];
}

const EMPTY = new Uint8Array(0);
const sstoreRules = new WeakMap<Common, { hardfork: string; applies: boolean }>();

/** Whether SSTORE's gas follows EIP-2200 (Istanbul and later, not Constantinople) without EIP-8038. */
export function sstoreGasApplies(common: Common): boolean {
  const hardfork = common.hardfork();
  const cached = sstoreRules.get(common);
  if (cached?.hardfork === hardfork) return cached.applies;
  const applies =
    hardfork !== Hardfork.Constantinople && common.gteHardfork(Hardfork.Istanbul) && !common.isActivatedEIP(8038);
  sstoreRules.set(common, { hardfork, applies });
  return applies;
}

type Fn = (...args: never[]) => unknown;

export async function loadFastOpcodes(): Promise<FastOpcodes> {
  const [functionsModule, gasModule, utilModule, eip2200Module, eip2929Module, errorsModule] = await Promise.all(
    ["functions.js", "gas.js", "util.js", "EIP2200.js", "EIP2929.js"]
      .map((f) => importEvmInternal(`opcodes/${f}`))
      .concat(importEvmInternal("errors.js")),
  );
  const handlers = functionsModule.handlers as Map<number, OpHandler> | undefined;
  const gasHandlers = gasModule.dynamicGasHandlers as Map<number, GasHandler> | undefined;
  const needed = {
    subMemUsage: utilModule.subMemUsage,
    divCeil: utilModule.divCeil,
    trap: utilModule.trap,
    updateSstoreGasEIP2200: eip2200Module.updateSstoreGasEIP2200,
    accessStorageEIP2929: eip2929Module.accessStorageEIP2929,
  };
  const errorMessages = (errorsModule.EVMError as { errorMessages?: Record<string, string> } | undefined)
    ?.errorMessages;
  if (
    !(handlers instanceof Map) ||
    !(gasHandlers instanceof Map) ||
    Object.values(needed).some((f) => typeof f !== "function") ||
    typeof errorMessages?.STATIC_STATE_CHANGE !== "string" ||
    typeof errorMessages.OUT_OF_GAS !== "string"
  ) {
    throw unsupportedEvmBuild("opcodes/*.js", "opcode handlers do not have the shape the fast opcodes replace");
  }
  const subMemUsage = needed.subMemUsage as (rs: RunStateLike, offset: bigint, length: bigint, c: Common) => bigint;
  const divCeil = needed.divCeil as (a: bigint, b: bigint) => bigint;
  const trap = needed.trap as (msg: string) => never;
  const updateSstoreGasEIP2200 = needed.updateSstoreGasEIP2200 as (
    rs: RunStateLike,
    current: Uint8Array,
    original: Uint8Array,
    value: Uint8Array,
    key: Uint8Array,
    c: Common,
  ) => bigint;
  const accessStorageEIP2929 = needed.accessStorageEIP2929 as (
    rs: RunStateLike,
    key: Uint8Array,
    isSstore: boolean,
    c: Common,
    chargeGas?: boolean,
  ) => bigint;
  const { STATIC_STATE_CHANGE, OUT_OF_GAS } = errorMessages;

  const ops: (OpHandler | undefined)[] = new Array(256).fill(undefined);
  const gas: (GasHandler | undefined)[] = new Array(256).fill(undefined);

  // --- logic ---
  ops[0x35] = (rs) => {
    // CALLDATALOAD: 32 bytes from the offset, zero-filled past the end.
    const pos = rs.stack.pop();
    const data = rs.interpreter.getCallData();
    if (pos >= BigInt(data.length)) {
      rs.stack.push(0n);
      return;
    }
    const i = Number(pos);
    rs.stack.push(bytesToWordLeftAligned(data.subarray(i, i + 32)));
  };
  ops[0x51] = (rs) => {
    // MLOAD (the gas handler has charged the expansion; extend makes the bytes exist)
    const offset = Number(rs.stack.pop());
    rs.memory.extend(offset, 32);
    rs.stack.push(readWord(rs.memory._store, offset));
  };
  ops[0x52] = (rs) => {
    // MSTORE
    const [offset, word] = rs.stack.popN(2);
    const at = Number(offset);
    rs.memory.extend(at, 32);
    writeWord(rs.memory._store, at, word);
  };
  ops[0x54] = async (rs) => {
    // SLOAD
    const key = wordToBytes(rs.stack.pop());
    const value = await rs.interpreter.storageLoad(key);
    rs.stack.push(value.length > 0 ? bytesToWord(value) : 0n);
  };
  ops[0x55] = async (rs) => {
    // SSTORE (without EIP-8037's state gas, which the fast loop never runs)
    const [key, val] = rs.stack.popN(2);
    await rs.interpreter.storageStore(wordToBytes(key), val === 0n ? new Uint8Array(0) : wordToMinimalBytes(val));
  };
  const log: OpHandler = (rs) => {
    const [memOffset, memLength] = rs.stack.popN(2);
    const topicCount = rs.opCode - 0xa0;
    const topics = rs.stack.popN(topicCount).map(wordToBytes);
    const data = memLength === 0n ? new Uint8Array(0) : rs.memory.read(Number(memOffset), Number(memLength));
    rs.interpreter.log(data, topicCount, topics);
  };
  for (let op = 0xa0; op <= 0xa4; op++) ops[op] = log;

  // --- gas: the same arithmetic as the stock async handlers, returned synchronously ---
  gas[0x0a] = (rs, g, common) => {
    // EXP: per byte of the exponent (trap on > 32 bytes cannot happen for a word)
    const exponent = rs.stack.peek(2)[1];
    if (exponent === 0n) return g;
    return g + BigInt(Math.ceil(exponent.toString(2).length / 8)) * common.param("expByteGas");
  };
  gas[0x20] = (rs, g, common) => {
    // KECCAK256
    const [offset, length] = rs.stack.peek(2);
    return g + subMemUsage(rs, offset, length, common) + common.param("keccak256WordGas") * divCeil(length, 32n);
  };
  const copyGas: GasHandler = (rs, g, common) => {
    // CALLDATACOPY, CODECOPY (no code-chunk witness without 6800/7864)
    const [memOffset, , length] = rs.stack.peek(3);
    g += subMemUsage(rs, memOffset, length, common);
    return length === 0n ? g : g + common.param("copyGas") * divCeil(length, 32n);
  };
  gas[0x37] = copyGas;
  gas[0x39] = copyGas;
  gas[0x3e] = (rs, g, common) => {
    // RETURNDATACOPY: reading past the return data is out of gas (legacy code)
    const [memOffset, dataOffset, length] = rs.stack.peek(3);
    if (dataOffset + length > rs.interpreter.getReturnDataSize() && rs.env.eof === undefined) trap(OUT_OF_GAS);
    g += subMemUsage(rs, memOffset, length, common);
    return length === 0n ? g : g + common.param("copyGas") * divCeil(length, 32n);
  };
  const oneWord: GasHandler = (rs, g, common) => g + subMemUsage(rs, rs.stack.peek(1)[0], 32n, common);
  gas[0x51] = oneWord;
  gas[0x52] = oneWord;
  gas[0x53] = (rs, g, common) => g + subMemUsage(rs, rs.stack.peek(1)[0], 1n, common);
  gas[0x54] = (rs, g, common) => g + accessStorageEIP2929(rs, wordToBytes(rs.stack.peek(1)[0]), false, common, true);
  gas[0x5e] = (rs, g, common) => {
    // MCOPY
    const [dst, src, length] = rs.stack.peek(3);
    g += 3n * ((length + 31n) / 32n);
    g += subMemUsage(rs, src, length, common);
    return g + subMemUsage(rs, dst, length, common);
  };
  const logGas: GasHandler = (rs, g, common) => {
    if (rs.interpreter.isStatic()) trap(STATIC_STATE_CHANGE);
    const [memOffset, memLength] = rs.stack.peek(2);
    const topicCount = BigInt(rs.opCode - 0xa0);
    g += subMemUsage(rs, memOffset, memLength, common);
    return g + common.param("logTopicGas") * topicCount + memLength * common.param("logDataGas");
  };
  for (let op = 0xa0; op <= 0xa4; op++) gas[op] = logGas;
  const returnGas: GasHandler = (rs, g, common) => {
    // RETURN, REVERT
    const [offset, length] = rs.stack.peek(2);
    return g + subMemUsage(rs, offset, length, common);
  };
  gas[0xf3] = returnGas;
  gas[0xfd] = returnGas;

  const gasWithSstore = gas.slice();
  gasWithSstore[0x55] = async (rs, g, common) => {
    if (rs.interpreter.isStatic()) trap(STATIC_STATE_CHANGE);
    const [key, val] = rs.stack.peek(2);
    const keyBytes = wordToBytes(key);
    const value = val === 0n ? EMPTY : wordToMinimalBytes(val);
    const current = storageComparable(await rs.interpreter.storageLoad(keyBytes, false, false));
    const original = storageComparable(await rs.interpreter.storageLoad(keyBytes, true, false));
    g += updateSstoreGasEIP2200(rs, current, original, storageComparable(value), keyBytes, common);
    // After the EIP-2200 sentry check, as the stock handler does.
    return g + accessStorageEIP2929(rs, keyBytes, true, common, true);
  };

  const stockOps: (OpHandler | undefined)[] = new Array(256).fill(undefined);
  const stockGas: (GasHandler | undefined)[] = new Array(256).fill(undefined);
  for (let op = 0; op < 256; op++) {
    if (ops[op] !== undefined) stockOps[op] = stockHandler(handlers, op, "logic") as OpHandler;
    if (gasWithSstore[op] !== undefined) stockGas[op] = stockHandler(gasHandlers, op, "gas") as GasHandler;
  }
  return { ops, stockOps, gas, gasWithSstore, stockGas };
}

/** LOG1-4 share LOG0's handler in ethereumjs's tables. */
function stockHandler(map: Map<number, Fn>, op: number, kind: string): Fn {
  const fn = map.get(op) ?? (op > 0xa0 && op <= 0xa4 ? map.get(0xa0) : undefined);
  if (typeof fn !== "function") {
    throw unsupportedEvmBuild("opcodes/*.js", `no stock ${kind} handler for opcode 0x${op.toString(16)}`);
  }
  return fn;
}

import type { Common } from "@ethereumjs/common";
import type { EVM } from "@ethereumjs/evm";
import { EvmError, EvmErrorCode } from "./errors.js";
import { importEvmInternal, unsupportedEvmBuild } from "./evmInternals.js";
import {
  type GasHandler,
  loadFastOpcodes,
  type OpHandler,
  type RunStateLike,
  sstoreGasApplies,
} from "./fastOpcodes.js";
import { installLeanRunInterpreter } from "./leanRunInterpreter.js";

/*
 * @ethereumjs/evm runs every opcode through `await this.runStep(...)`: an async call, a promise and a
 * microtask per opcode, plus per-step checks for tracing and stateless (Verkle) gas that never apply to
 * us. On an ERC-20 transfer (~310 opcodes) that overhead is about a fifth of the whole execution. This
 * module replaces `Interpreter.prototype.run` with a loop that awaits only when an opcode's gas or logic
 * handler actually returns a promise (state access, calls), for EVMs that opt in through
 * `enableFastInterpreterLoop`. The jump analysis, the run state and nearly all opcode and gas handlers
 * are ethereumjs's own; a handful of hot ones are swapped for equivalents that skip hex-string word
 * conversions and needless promises (fastOpcodes.ts), wherever the opcode still has its stock handler.
 * The same EVMs also get the `runInterpreter` of leanRunInterpreter.ts, which builds a frame's merged
 * run state only when someone reads it.
 *
 * The original loop still runs whenever it does something this one does not: a `step` listener or
 * DEBUG (tracing), the profiler, or any of the EIPs whose per-step work is skipped here (EOF, Verkle and
 * binary-tree witnesses, block access lists, state gas). The Interpreter class is reached through
 * evmInternals.ts; `installFastInterpreterLoop` checks the shape it relies on and refuses to install
 * against anything else.
 */

const FAST_LOOP = Symbol.for("knode.evm.fastInterpreterLoop");
/** EIPs that add per-step work in the original loop (see the comment above). */
const PER_STEP_EIPS = [3540, 6800, 7864, 7928, 8037] as const;

interface OpcodeInfo {
  code: number;
  feeBigInt: bigint;
  dynamicGas: boolean;
  isAsync: boolean;
  isInvalid: boolean;
}

interface OpcodeEntry {
  opcodeInfo: OpcodeInfo;
  opHandler: OpHandler;
  gasHandler?: GasHandler;
}

interface RunState {
  programCounter: number;
  opCode: number;
  code: Uint8Array;
  validJumps: Uint8Array;
  cachedPushes: Record<number, bigint>;
  shouldDoJumpAnalysis: boolean;
  eip7928PostTargetCallOog?: unknown;
}

interface InterpreterLike {
  _evm: EVM & { DEBUG: boolean; [FAST_LOOP]?: boolean };
  _runState: RunState;
  common: Common;
  profilerOpts?: { enabled?: boolean };
  useGas(amount: bigint, context?: unknown): void;
  lookupOpInfo(op: number): OpcodeEntry;
  _getValidJumpDestinations(code: Uint8Array): {
    jumps: Uint8Array;
    pushes: Record<number, bigint>;
    opcodesCached: OpcodeEntry[];
  };
}

type RunResult = { runState: RunState; exceptionError?: unknown };
type RunFn = (this: InterpreterLike, code: Uint8Array, opts?: { pc?: number }) => Promise<RunResult>;

let installed: Promise<void> | undefined;
let frames = 0;

/** Call frames run on the fast loop so far in this process (a diagnostic for tests and profiling). */
export function fastLoopFrames(): number {
  return frames;
}

/** Installs the loop once per process; EVMs still use the original loop until enabled. */
export function installFastInterpreterLoop(): Promise<void> {
  installed ??= install();
  return installed;
}

/** Makes `evm` run its code on the fast loop (call installFastInterpreterLoop first). */
export function enableFastInterpreterLoop(evm: object): void {
  (evm as { [FAST_LOOP]?: boolean })[FAST_LOOP] = true;
}

async function install(): Promise<void> {
  const interpreterModule = await importEvmInternal("interpreter.js");
  const errorsModule = await importEvmInternal("errors.js");
  const eip7928Module = await importEvmInternal("opcodes/EIP7928.js");
  const evmModule = await importEvmInternal("evm.js");
  const Interpreter = interpreterModule.Interpreter as { prototype: Record<string, unknown> } | undefined;
  const EVMErrorClass = errorsModule.EVMError as
    | ((new (msg: string) => Error & { error: string }) & { errorMessages: Record<string, string> })
    | undefined;
  const consumePostTargetOog = eip7928Module.consumeEip7928PostTargetCallOog;
  const proto = Interpreter?.prototype;
  const original = proto?.run;
  const errorTypeString = errorsModule.EVMErrorTypeString;
  if (
    !proto ||
    typeof original !== "function" ||
    typeof proto._getValidJumpDestinations !== "function" ||
    typeof proto.useGas !== "function" ||
    typeof EVMErrorClass !== "function" ||
    typeof consumePostTargetOog !== "function" ||
    typeof errorTypeString !== "string"
  ) {
    throw unsupportedEvmBuild("interpreter.js", "Interpreter does not have the shape the fast loop was written for");
  }
  const originalRun = original as RunFn;
  const fast = await loadFastOpcodes();
  const { ops: fastOps, stockOps, stockGas } = fast;
  const INVALID_OPCODE = EVMErrorClass.errorMessages.INVALID_OPCODE;
  const STOP = EVMErrorClass.errorMessages.STOP;

  async function fastRun(this: InterpreterLike, code: Uint8Array, opts: { pc?: number } = {}): Promise<RunResult> {
    const evm = this._evm;
    if (evm[FAST_LOOP] !== true || !eligible(this)) return originalRun.call(this, code, opts);
    frames++;
    const rs = this._runState;
    rs.code = code;
    rs.programCounter = opts.pc ?? rs.programCounter;
    const start = rs.programCounter;
    if (start !== 0 && (start < 0 || start >= code.length)) {
      throw new EvmError({ code: EvmErrorCode.INTERNAL, reason: "program counter not in range" });
    }
    // Analysed up front instead of at the first JUMP: same tables, and PUSH then reads the parsed
    // immediates (shouldDoJumpAnalysis = false), exactly as the original does after its analysis.
    const { jumps, pushes, opcodesCached } = this._getValidJumpDestinations(code);
    rs.validJumps = jumps;
    rs.cachedPushes = pushes;
    rs.shouldDoJumpAnalysis = false;
    const common = this.common;
    const fastGas = sstoreGasApplies(common) ? fast.gasWithSstore : fast.gas;
    const length = code.length;
    let err: unknown;
    while (rs.programCounter < length) {
      const entry = opcodesCached[rs.programCounter] ?? this.lookupOpInfo(code[rs.programCounter]);
      const info = entry.opcodeInfo;
      const op = info.code;
      rs.opCode = op;
      try {
        let gas = info.feeBigInt;
        if (info.dynamicGas) {
          let gasHandler = entry.gasHandler;
          if (fastGas[op] !== undefined && gasHandler === stockGas[op]) gasHandler = fastGas[op];
          if (gasHandler) {
            const g = gasHandler(rs as unknown as RunStateLike, gas, common);
            gas = typeof g === "bigint" ? g : await g;
          }
        }
        if (info.isInvalid) throw new (EVMErrorClass as new (m: string) => Error)(INVALID_OPCODE);
        this.useGas(gas, info);
        rs.programCounter++;
        if (rs.eip7928PostTargetCallOog !== undefined) (consumePostTargetOog as (r: RunState) => void)(rs);
        let opHandler = entry.opHandler;
        if (fastOps[op] !== undefined && opHandler === stockOps[op]) opHandler = fastOps[op];
        const out = opHandler(rs as unknown as RunStateLike, common);
        if (out instanceof Promise) await out;
      } catch (e) {
        if (!(typeof e === "object" && e !== null && "errorType" in e && e.errorType === errorTypeString)) throw e;
        if ((e as { error?: string }).error !== STOP) err = e;
        break;
      }
    }
    return { runState: rs, exceptionError: err };
  }

  proto.run = fastRun;
  const evmPrototype = (evmModule.EVM as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  if (!evmPrototype) throw unsupportedEvmBuild("evm.js", "no EVM class");
  await installLeanRunInterpreter(evmPrototype, (evm) => (evm as { [FAST_LOOP]?: boolean })[FAST_LOOP] === true);
}

function eligible(interp: InterpreterLike): boolean {
  const evm = interp._evm;
  if (evm.DEBUG || evm.events.listenerCount("step") > 0 || interp.profilerOpts?.enabled === true) return false;
  const common = interp.common;
  for (const eip of PER_STEP_EIPS) if (common.isActivatedEIP(eip)) return false;
  return true;
}

import type { EvmError } from "./errors.js";
import { importEvmInternal, unsupportedEvmBuild } from "./evmInternals.js";

/*
 * Why we patch @ethereumjs/evm: its interpreter re-runs the jump-destination analysis of a contract for
 * every call frame that executes a JUMP. The analysis allocates an array as long as the code and turns
 * every PUSH immediate into a bigint through a hex string: ~8-10 % of an ERC-20 transfer, for a result
 * that depends only on the code and the EVM's opcode table and is only read during execution. The class
 * is not exported; evmInternals.ts reaches the very prototype the EVM instantiates, and we wrap its method there.
 */

/** What the interpreter's analysis returns; treated as opaque and never mutated (the interpreter only reads it). */
type Analysis = unknown;

type AnalyzeFn = (this: unknown, code: Uint8Array) => Analysis;

/** The per-EVM cache: a budget on the summed length of the codes it holds, oldest entries evicted first. */
interface CodeCache {
  readonly entries: Map<Uint8Array, Analysis>;
  bytes: number;
  readonly maxBytes: number;
}

export interface JumpAnalysisCacheOptions {
  /** Code bytes whose analyses one EVM keeps (the analysis takes ~10x the code's size in memory). */
  maxCodeBytes: number;
}

export const defaultJumpAnalysisCacheOptions: JumpAnalysisCacheOptions = {
  maxCodeBytes: 1 << 20,
};

/** Shared by every copy of this module (a test runner may load it more than once against one EVM). */
export interface PatchState {
  /** The interpreter's own analysis; a test may wrap it to count calls. */
  analyze: AnalyzeFn;
  /** Opcode table of each EVM the cache is enabled for (custom opcodes make tables differ per EVM). */
  readonly caches: WeakMap<object, CodeCache>;
}

const STATE = Symbol.for("knode.evm.jumpAnalysisCache");
const METHOD = "_getValidJumpDestinations";

let installing: Promise<PatchState> | undefined;

/** The patched internals are missing: @ethereumjs/evm was upgraded past the build this was written for. */
function versionDrift(reason: string): EvmError {
  return unsupportedEvmBuild("interpreter.js", `cannot install the jump analysis cache: ${reason}`);
}

interface InterpreterLike {
  _evm?: { _opcodeMap?: unknown };
  _env?: { isCreate?: boolean };
}

function codeCacheOf(state: PatchState, self: unknown): CodeCache | undefined {
  const it = self as InterpreterLike;
  // Initcode (tx data or a view of the creator's memory) runs once and may alias memory that changes later.
  if (it._env?.isCreate === true) return undefined;
  const table = it._evm?._opcodeMap;
  return typeof table === "object" && table !== null ? state.caches.get(table) : undefined;
}

function remember(cache: CodeCache, code: Uint8Array, analysis: Analysis): void {
  const max = cache.maxBytes;
  if (code.length > max) return;
  cache.entries.set(code, analysis);
  cache.bytes += code.length;
  for (const old of cache.entries.keys()) {
    if (cache.bytes <= max) break;
    cache.entries.delete(old);
    cache.bytes -= old.length;
  }
}

async function install(): Promise<PatchState> {
  const mod = await importEvmInternal("interpreter.js");
  const Interpreter = mod.Interpreter;
  if (typeof Interpreter !== "function") throw versionDrift("interpreter.js no longer exports Interpreter");
  const proto = (Interpreter as { prototype: Record<string | symbol, unknown> }).prototype;
  const current = proto[METHOD];
  if (typeof current !== "function") throw versionDrift(`Interpreter.prototype.${METHOD} is missing`);
  const existing = (current as unknown as Record<symbol, unknown>)[STATE];
  if (existing !== undefined) return existing as PatchState;
  const state: PatchState = { analyze: current as AnalyzeFn, caches: new WeakMap() };
  const cached = function (this: unknown, code: Uint8Array): Analysis {
    const cache = codeCacheOf(state, this);
    if (cache === undefined) return state.analyze.call(this, code);
    const hit = cache.entries.get(code);
    if (hit !== undefined) return hit;
    const analysis = state.analyze.call(this, code);
    remember(cache, code, analysis);
    return analysis;
  };
  Object.defineProperty(cached, STATE, { value: state });
  proto[METHOD] = cached;
  return state;
}

/**
 * Patches the interpreter once per process (idempotent; throws EVM_UNSUPPORTED_EVM_BUILD if @ethereumjs/evm
 * no longer has what we patch) and returns the patch. Caching stays off until enabled per EVM; the
 * returned state lets tests count calls to the original analysis.
 */
export function installJumpAnalysisCache(): Promise<PatchState> {
  if (installing === undefined) {
    installing = install();
    installing.catch(() => {
      installing = undefined;
    });
  }
  return installing;
}

/**
 * Caches the analysis per code for the interpreters of `evm` (an @ethereumjs/evm EVM): keyed by the code
 * array itself, which works because our state managers hand out their cached code arrays (BlockState,
 * HeadState, the ethereumjs code cache), so one contract called a thousand times is analysed once.
 */
export async function enableJumpAnalysisCache(
  evm: object,
  opts: Partial<JumpAnalysisCacheOptions> = {},
): Promise<void> {
  const state = await installJumpAnalysisCache();
  const table = (evm as InterpreterLike["_evm"] & object)._opcodeMap;
  if (typeof table !== "object" || table === null) throw versionDrift("EVM._opcodeMap is missing");
  if (state.caches.has(table)) return;
  const maxBytes = opts.maxCodeBytes ?? defaultJumpAnalysisCacheOptions.maxCodeBytes;
  state.caches.set(table, { entries: new Map(), bytes: 0, maxBytes });
}

/** How much one EVM's cache holds, undefined when caching is not enabled for it. */
export function cachedJumpAnalyses(state: PatchState, evm: object): { entries: number; bytes: number } | undefined {
  const table = (evm as InterpreterLike["_evm"] & object)._opcodeMap;
  const cache = typeof table === "object" && table !== null ? state.caches.get(table) : undefined;
  return cache === undefined ? undefined : { entries: cache.entries.size, bytes: cache.bytes };
}

import { createRequire } from "node:module";
import { keccak_256 } from "@noble/hashes/sha3.js";

/** The shape of the keccak package's native sponge, reached through one of its hasher objects. */
interface NativeKeccakState {
  initialize(rate: number, capacity: number): void;
  absorb(data: Uint8Array): void;
  absorbLastFewBits(bits: number): void;
  squeeze(length: number): Uint8Array;
}

type NativeHashFactory = (alg: string) => { update(d: Uint8Array): unknown; digest(): Uint8Array };

function loadNativeState(): NativeKeccakState | null {
  try {
    const factory = createRequire(import.meta.url)("keccak/bindings") as NativeHashFactory;
    // The package's stream wrapper costs ~3µs per hash (a Transform per call); driving the native sponge
    // directly is about 3x faster for the 32..200-byte inputs that dominate (tx hashes, trie nodes).
    const probe = factory("keccak256") as unknown as { _state?: unknown };
    const State = (probe._state as { constructor?: new () => NativeKeccakState } | undefined)?.constructor;
    if (typeof State !== "function") return null;
    const state = new State();
    if (typeof state.squeeze !== "function" || typeof state.absorbLastFewBits !== "function") return null;
    return state;
  } catch {
    return null;
  }
}

const nativeState = loadNativeState();

/** True when keccak256 runs on the native binding rather than the pure-JS fallback. */
export const nativeKeccak: boolean = nativeState !== null;

// Keccak-256 (pre-standard padding 0x01, not SHA3's 0x06): rate 1088 bits, capacity 512.
const RATE = 1088;
const CAPACITY = 512;

function nativeKeccak256(data: Uint8Array): Uint8Array {
  const st = nativeState as NativeKeccakState;
  st.initialize(RATE, CAPACITY);
  st.absorb(data);
  st.absorbLastFewBits(0x01);
  const out = st.squeeze(32);
  return new Uint8Array(out.buffer, out.byteOffset, 32);
}

/** Pure-JS keccak256, exported so tests can compare both implementations. */
export function nobleKeccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

export const keccak256: (data: Uint8Array) => Uint8Array = nativeState ? nativeKeccak256 : nobleKeccak256;

import { concatBytes } from "@knode/common";
import { describe, expect, it } from "vitest";
import { decodeRevertReason, ExecutionRevertedError } from "../src/index.js";
import { hex, word } from "./helpers.js";

const ERROR = hex("08c379a0");
const PANIC = hex("4e487b71");

function errorString(s: string): Uint8Array {
  const bytes = new TextEncoder().encode(s);
  const padded = new Uint8Array(Math.ceil(bytes.length / 32) * 32);
  padded.set(bytes);
  return concatBytes(ERROR, word(32n), word(BigInt(bytes.length)), padded);
}

describe("decodeRevertReason", () => {
  it("decodes Error(string), short and long", () => {
    expect(decodeRevertReason(errorString("nope"))).toBe("nope");
    const long = "a reason that is definitely longer than thirty-two bytes ✓";
    expect(decodeRevertReason(errorString(long))).toBe(long);
    expect(decodeRevertReason(errorString(""))).toBe("");
  });

  it("decodes Panic(uint256) codes as geth words them", () => {
    expect(decodeRevertReason(concatBytes(PANIC, word(1n)))).toBe("assert(false)");
    expect(decodeRevertReason(concatBytes(PANIC, word(0x11n)))).toBe("arithmetic underflow or overflow");
    expect(decodeRevertReason(concatBytes(PANIC, word(0x32n)))).toBe("out-of-bounds access of an array or bytesN");
    expect(decodeRevertReason(concatBytes(PANIC, word(0x99n)))).toBe("unknown panic code: 0x99");
  });

  it("returns undefined for anything else or malformed data", () => {
    expect(decodeRevertReason(new Uint8Array(0))).toBeUndefined();
    expect(decodeRevertReason(hex("08c379"))).toBeUndefined();
    expect(decodeRevertReason(concatBytes(hex("deadbeef"), word(1n)))).toBeUndefined();
    expect(decodeRevertReason(concatBytes(PANIC, hex("01")))).toBeUndefined();
    const truncated = errorString("hello world");
    expect(decodeRevertReason(truncated.subarray(0, truncated.length - 32))).toBeUndefined();
    expect(decodeRevertReason(concatBytes(ERROR, word(4096n), word(5n)))).toBeUndefined();
    expect(decodeRevertReason(concatBytes(ERROR, word(32n), word(2n ** 200n)))).toBeUndefined();
  });

  it("ExecutionRevertedError words its message like geth", () => {
    expect(new ExecutionRevertedError(errorString("nope")).message).toBe("execution reverted: nope");
    expect(new ExecutionRevertedError(hex("1234")).message).toBe("execution reverted");
    const explicit = new ExecutionRevertedError(hex("1234"), "custom");
    expect(explicit.message).toBe("execution reverted: custom");
    expect(explicit.data).toEqual(hex("1234"));
    expect(explicit.code).toBe("EVM_EXECUTION_REVERTED");
  });
});

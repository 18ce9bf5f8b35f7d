import { bytesToHex } from "@knode/common";
import { describe, expect, it } from "vitest";
import { decodeRevertReason, ExecutionRevertedError, RpcError } from "../src/errors.js";
import { hostWithoutPort, vhostAllowed } from "../src/httpHandler.js";
import { keccak256 } from "../src/keccak.js";
import { checksumAddress } from "../src/methods/miscMethods.js";
import {
  blockNumberTag,
  blockTag,
  hexOrDecimal,
  optional,
  ParamError,
  parseLogFilter,
  parseQuantity,
  quantity,
  storageKey,
} from "../src/validators.js";

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParamError || err instanceof RpcError) return err.message;
    throw err;
  }
  throw new Error("expected a validation error");
}

describe("quantity", () => {
  it("accepts canonical hex and rejects geth's error cases", () => {
    expect(parseQuantity("0x0")).toBe(0n);
    expect(parseQuantity("0xDeAd")).toBe(0xdeadn);
    expect(problem(() => parseQuantity(""))).toBe("empty hex string");
    expect(problem(() => parseQuantity("0x"))).toBe('hex string "0x"');
    expect(problem(() => parseQuantity("12"))).toBe("hex string without 0x prefix");
    expect(problem(() => parseQuantity("0x0a"))).toBe("hex number with leading zero digits");
    expect(problem(() => parseQuantity("0xzz"))).toBe("invalid hex string");
    expect(problem(() => parseQuantity(`0x1${"0".repeat(64)}`))).toBe("hex number > 256 bits");
    expect(problem(() => parseQuantity(`0x1${"0".repeat(16)}`, 64))).toBe("hex number > 64 bits");
    expect(problem(() => quantity.parse(5))).toBe("json: cannot unmarshal number into Go value of type *hexutil.Big");
  });

  it("hexOrDecimal takes numbers, decimal strings and hex", () => {
    expect(hexOrDecimal.parse(4)).toBe(4n);
    expect(hexOrDecimal.parse("10")).toBe(10n);
    expect(hexOrDecimal.parse("0x10")).toBe(16n);
    expect(() => hexOrDecimal.parse(-1)).toThrow(ParamError);
  });
});

describe("block tags", () => {
  it("parses tags, numbers, hashes and EIP-1898 objects", () => {
    const hash = `0x${"ab".repeat(32)}`;
    for (const t of ["latest", "earliest", "pending", "safe", "finalized"]) expect(blockTag.parse(t)).toBe(t);
    expect(blockTag.parse("0x10")).toBe(16n);
    expect(bytesToHex((blockTag.parse(hash) as { hash: Uint8Array }).hash)).toBe(hash);
    expect(bytesToHex((blockTag.parse({ blockHash: hash }) as { hash: Uint8Array }).hash)).toBe(hash);
    expect(blockTag.parse({ blockNumber: "0x2" })).toBe(2n);
    expect(problem(() => blockTag.parse({ blockHash: hash, blockNumber: "0x1" }))).toBe(
      "cannot specify both BlockHash and BlockNumber, choose one or the other",
    );
    expect(problem(() => blockNumberTag.parse(hash))).toBe("hex number > 64 bits");
    expect(problem(() => blockNumberTag.parse("0xffffffffffffffff"))).toBe("block number larger than int64");
  });

  it("optional falls back on absent or null values", () => {
    const p = optional(blockTag, "latest");
    expect(p.optional).toBe(true);
    expect(p.parse(undefined)).toBe("latest");
    expect(p.parse(null)).toBe("latest");
    expect(p.parse("0x1")).toBe(1n);
  });
});

describe("storage keys and filters", () => {
  it("left-pads short keys and accepts odd lengths like geth", () => {
    expect(bytesToHex(storageKey.parse("0x1"))).toBe(`0x${"00".repeat(31)}01`);
    expect(bytesToHex(storageKey.parse("abc"))).toBe(`0x${"00".repeat(30)}0abc`);
  });

  it("treats null inside an OR-list and empty lists as wildcards", () => {
    const t = `0x${"11".repeat(32)}`;
    const f = parseLogFilter({ topics: [t, [t, null], [], null], address: `0x${"22".repeat(20)}` });
    expect(f.topics.map((x) => (x ? x.length : null))).toEqual([1, null, null, null]);
    expect(f.addresses).toHaveLength(1);
    expect(problem(() => parseLogFilter({ topics: "x" }))).toBe("invalid topics");
  });
});

describe("revert reasons", () => {
  it("decodes Error(string), Panic(uint256) and leaves other data alone", () => {
    const err = Buffer.from(
      "08c379a00000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000000a75736572206572726f72",
      "hex",
    );
    expect(decodeRevertReason(err)).toBe("user error");
    const panic = new Uint8Array(36);
    panic.set([0x4e, 0x48, 0x7b, 0x71]);
    panic[35] = 0x12;
    expect(decodeRevertReason(panic)).toBe("division or modulo by zero");
    panic[35] = 0x99;
    expect(decodeRevertReason(panic)).toBe("unknown panic code: 0x99");
    expect(decodeRevertReason(Uint8Array.of(1, 2, 3, 4, 5))).toBeUndefined();
    expect(decodeRevertReason(err.subarray(0, 60))).toBeUndefined();
    const e = new ExecutionRevertedError(Uint8Array.of(9), "custom");
    expect(e.toRpcError()).toMatchObject({ rpcCode: 3, message: "execution reverted: custom", data: "0x09" });
  });
});

describe("helpers", () => {
  it("checksums addresses per EIP-55", () => {
    // The EIP-55 reference vector.
    expect(checksumAddress("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", keccak256)).toBe(
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    );
  });

  it("applies geth's vhost rule", () => {
    expect(hostWithoutPort("[::1]:80")).toBe("::1");
    expect(hostWithoutPort("example.com:80")).toBe("example.com");
    expect(hostWithoutPort("::1")).toBe("::1");
    expect(vhostAllowed(undefined, [])).toBe(true);
    expect(vhostAllowed("192.168.1.1:8551", ["localhost"])).toBe(true);
    expect(vhostAllowed("LocalHost:8551", ["localhost"])).toBe(true);
    expect(vhostAllowed("attacker.example", ["localhost"])).toBe(false);
    expect(vhostAllowed("attacker.example", ["*"])).toBe(true);
  });
});

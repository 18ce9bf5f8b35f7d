import { readFileSync } from "node:fs";
import path from "node:path";
import { bytesToHex, isKnodeError } from "@knode/common";
import { describe, expect, it } from "vitest";
import {
  GENESIS_DEFAULTS,
  genesisExtraData,
  genesisToJson,
  parseGenesis,
  parseJsonKeepNumbers,
  TypesErrorCode,
} from "../src/index.js";
import { FIXTURES } from "./fixtures.js";

const baobabText = readFileSync(path.join(FIXTURES, "klaytn/baobab-genesis.json"), "utf8");
const validator = `0x${"ab".repeat(20)}`;
const extra = bytesToHex(genesisExtraData([new Uint8Array(20).fill(0xab), new Uint8Array(20).fill(0xcd)]));

function genesisCode(text: string): string | undefined {
  try {
    parseGenesis(text);
  } catch (e) {
    return isKnodeError(e) ? `${e.type.code}:${"field" in e.type ? e.type.field : ""}` : String(e);
  }
  return undefined;
}

describe("parseJsonKeepNumbers", () => {
  it("keeps number text exactly and parses the rest like JSON.parse", () => {
    const text =
      '{"a": 9600000000000000000, "b": [1, -2.5e3, "x\\"y\\u0041"], "c": {"d": null, "e": true, "f": false}}';
    expect(parseJsonKeepNumbers(text)).toEqual({
      a: "9600000000000000000",
      b: ["1", "-2.5e3", 'x"yA'],
      c: { d: null, e: true, f: false },
    });
    for (const bad of ["", "{", '{"a" 1}', "[1,]", "{} x", "01", '{"a":1,}'])
      expect(() => parseJsonKeepNumbers(bad)).toThrow(SyntaxError);
    const proto = parseJsonKeepNumbers('{"__proto__": {"polluted": "1"}}') as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(proto)).toEqual(["__proto__"]);
  });
});

describe("parseGenesis", () => {
  it("parses baobab-genesis.json with the exact minting amount", () => {
    const g = parseGenesis(baobabText);
    expect(g.config.chainId).toBe(1001n);
    expect(g.config.governance.reward.mintingAmount).toBe(9_600_000_000_000_000_000n);
    expect(g.config.governance.reward.ratio).toBe("34/54/12");
    expect(g.config.governance.governingNode).toBe("0x99fb17d324fa0e07f23b49d09028ac0919414db6");
    expect(g.config.istanbul).toEqual({ epoch: 604800n, policy: 2, sub: 22 });
    expect(g.config.unitPrice).toBe(25_000_000_000n);
    expect(g.config.blockPeriod).toBe(1);
    expect(g.timestamp).toBe(0x5d132648n);
    expect(g.governanceData).toEqual(new Uint8Array(0));
    expect(g.blockScore).toBe(1n);
    const contract = g.alloc.get("0x0000000000000000000000000000000000000400");
    expect(contract?.code?.length).toBeGreaterThan(1000);
    expect(contract?.balance).toBe(0n);
    expect(g.alloc.get("0x4937a6f664630547f6b0c3c235c4f03a64ca36b1")?.balance).toBeGreaterThan(10n ** 27n);
    expect(parseGenesis(genesisToJson(g))).toEqual(g);
  });

  it("applies defaults and accepts hex, decimal strings and numbers", () => {
    const g = parseGenesis(
      JSON.stringify({
        config: { chainId: "0x3e8" },
        extraData: extra,
        alloc: {
          [validator]: { balance: "1000000000000000000000" },
          ["CD".repeat(20)]: { balance: 5, nonce: "0x2", code: "0x6001", storage: { "0x01": "0x02" } },
        },
      }),
    );
    expect(g.config).toEqual({
      chainId: 1000n,
      istanbul: GENESIS_DEFAULTS.istanbul,
      governance: {
        governanceMode: "single",
        governingNode: validator,
        reward: { mintingAmount: 9_600_000_000_000_000_000n, ratio: "100/0/0" },
      },
      unitPrice: 25_000_000_000n,
      blockPeriod: 1,
    });
    expect(g.timestamp).toBe(0n);
    expect(g.blockScore).toBe(1n);
    expect(g.alloc.get(validator)?.balance).toBe(10n ** 21n);
    const other = g.alloc.get(`0x${"cd".repeat(20)}`);
    expect(other?.nonce).toBe(2n);
    expect(other?.storage?.get(`0x${"00".repeat(31)}01`)).toEqual(Uint8Array.of(...new Uint8Array(31), 2));
    expect(parseGenesis(genesisToJson(g))).toEqual(g);
  });

  it.each([
    ["not json", "{", "json"],
    ["no config", JSON.stringify({ extraData: extra }), "config"],
    ["no chain id", JSON.stringify({ config: {}, extraData: extra }), "config.chainId"],
    ["bad chain id", JSON.stringify({ config: { chainId: -1 }, extraData: extra }), "config.chainId"],
    ["no council", JSON.stringify({ config: { chainId: 1 } }), "extraData"],
    [
      "bad policy",
      JSON.stringify({ config: { chainId: 1, istanbul: { policy: 3 } }, extraData: extra }),
      "config.istanbul.policy",
    ],
    [
      "bad mode",
      JSON.stringify({ config: { chainId: 1, governance: { governanceMode: "x" } }, extraData: extra }),
      "config.governance.governanceMode",
    ],
    [
      "bad ratio",
      JSON.stringify({ config: { chainId: 1, governance: { reward: { ratio: 5 } } }, extraData: extra }),
      "config.governance.reward.ratio",
    ],
    ["bad period", JSON.stringify({ config: { chainId: 1, blockPeriod: 0 }, extraData: extra }), "config.blockPeriod"],
    [
      "bad alloc key",
      JSON.stringify({ config: { chainId: 1 }, extraData: extra, alloc: { "0x12": { balance: "1" } } }),
      "alloc",
    ],
    [
      "bad balance",
      JSON.stringify({ config: { chainId: 1 }, extraData: extra, alloc: { [validator]: { balance: "1.5" } } }),
      `alloc[${validator}].balance`,
    ],
    [
      "duplicate",
      `{"config":{"chainId":1},"extraData":"${extra}","alloc":{"${validator}":{},"${validator.slice(2)}":{}}}`,
      "alloc",
    ],
  ])("rejects %s naming the field", (_n, text, field) => {
    expect(genesisCode(text)).toBe(`${TypesErrorCode.INVALID_GENESIS}:${field}`);
  });
});

import { bytesToHex, hexToBytes, isKnodeError } from "@knode/common";
import { describe, expect, it } from "vitest";
import {
  decodeTransaction,
  encodeTransaction,
  intrinsicGas,
  recoverTransactionSender,
  TypesErrorCode,
  validateTransaction,
} from "../src/index.js";
import { listJsonFiles, readFixture } from "./fixtures.js";

interface ForkResult {
  hash?: string;
  sender?: string;
  intrinsicGas?: string;
  exception?: string;
}
type TxTestFile = Record<string, { txbytes: string; result: Record<string, ForkResult> }>;

// Forks in order; files that stop before Cancun are judged by the last fork they list.
const FORKS = [
  "Frontier",
  "Homestead",
  "EIP150",
  "EIP158",
  "Byzantium",
  "Constantinople",
  "ConstantinopleFix",
  "Istanbul",
  "Berlin",
  "London",
  "Paris",
  "Shanghai",
  "Cancun",
];

type Layer = "decode" | "sender" | "rules";

/**
 * Where each ethereum-tests exception is caught in knode: decodeTransaction (malformed or statically
 * invalid bytes), recoverTransactionSender (a well-formed signature that recovers nothing), or
 * validateTransaction (chain id, EIP-2681, fee and gas rules).
 */
function layersFor(exception: string): Layer[] {
  const names = exception.split("|").map((e) => e.replace("TransactionException.", ""));
  const out = new Set<Layer>();
  for (const n of names) {
    if (n === "EC_RECOVERY_FAIL") out.add("sender");
    else if (n === "INVALID_CHAINID") {
      // v of 35/36 (chain id 0) or below 37 is malformed; a well-formed v for another chain is a rule.
      out.add("decode");
      out.add("rules");
    } else if (
      ["NONCE_TOO_BIG", "INTRINSIC_GAS_TOO_LOW", "INITCODE_SIZE_EXCEEDED", "GASLIMIT_PRICE_PRODUCT_OVERFLOW"].includes(
        n,
      ) ||
      n.startsWith("PRIORITY_GREATER_THAN_MAX_FEE")
    ) {
      out.add("rules");
    } else out.add("decode");
  }
  return [...out];
}

function failingLayer(bytes: Uint8Array): Layer | null {
  let tx: ReturnType<typeof decodeTransaction>;
  try {
    tx = decodeTransaction(bytes);
  } catch (e) {
    expect(isKnodeError(e, TypesErrorCode.INVALID_TX), String(e)).toBe(true);
    return "decode";
  }
  try {
    recoverTransactionSender(tx);
  } catch (e) {
    expect(isKnodeError(e, TypesErrorCode.INVALID_TX), String(e)).toBe(true);
    return "sender";
  }
  try {
    validateTransaction(tx, 1n);
  } catch (e) {
    expect(isKnodeError(e, TypesErrorCode.INVALID_TX), String(e)).toBe(true);
    return "rules";
  }
  return null;
}

const cases: { name: string; txbytes: string; expected: ForkResult }[] = [];
for (const file of listJsonFiles("ethereum-tests/TransactionTests")) {
  const content = readFixture<TxTestFile>(file);
  for (const [name, t] of Object.entries(content)) {
    const fork = t.result.Cancun ? "Cancun" : [...FORKS].reverse().find((f) => t.result[f]);
    if (!fork) throw new Error(`${file}: no fork result`);
    cases.push({
      name: `${file.replace("ethereum-tests/TransactionTests/", "")} ${name}`,
      txbytes: t.txbytes,
      expected: t.result[fork],
    });
  }
}

describe("ethereum-tests TransactionTests (Cancun)", () => {
  it("loads every file", () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    expect(cases.filter((c) => !c.expected.exception).length).toBeGreaterThanOrEqual(40);
  });

  const valid = cases.filter((c) => !c.expected.exception);
  it.each(valid.map((c) => [c.name, c] as const))("valid: %s", (_n, c) => {
    const bytes = hexToBytes(c.txbytes);
    const tx = decodeTransaction(bytes);
    expect(bytesToHex(tx.hash)).toBe(c.expected.hash?.toLowerCase());
    expect(bytesToHex(recoverTransactionSender(tx))).toBe(c.expected.sender?.toLowerCase());
    expect(intrinsicGas(tx)).toBe(BigInt(c.expected.intrinsicGas ?? "-1"));
    expect(() => validateTransaction(tx, 1n)).not.toThrow();
    expect(encodeTransaction(tx)).toEqual(bytes);
  });

  const invalid = cases.filter((c) => c.expected.exception);
  it.each(invalid.map((c) => [c.name, c] as const))("invalid: %s", (_n, c) => {
    const bytes = c.txbytes.startsWith("0x") && c.txbytes.length % 2 === 0 ? hexToBytes(c.txbytes) : null;
    if (bytes === null) throw new Error(`unparseable txbytes ${c.txbytes.slice(0, 20)}`);
    const layer = failingLayer(bytes);
    expect(layer, `${c.expected.exception} was accepted`).not.toBeNull();
    expect(layersFor(c.expected.exception ?? "")).toContain(layer);
  });
});

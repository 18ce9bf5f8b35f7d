import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { REPO_ROOT } from "./knodeProcess.js";

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

let cached: { abi: unknown[]; bytecode: string } | undefined;

/** Compiles test/contracts/TestToken.sol with the solc npm package at its default EVM version. */
export function compileTestToken(): { abi: unknown[]; bytecode: string } {
  if (cached) return cached;
  const solc = createRequire(import.meta.url)("solc") as { compile(input: string): string };
  const source = readFileSync(path.join(REPO_ROOT, "test/contracts/TestToken.sol"), "utf8");
  const input = {
    language: "Solidity",
    sources: { "TestToken.sol": { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const c = out.contracts["TestToken.sol"].TestToken;
  cached = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  return cached;
}

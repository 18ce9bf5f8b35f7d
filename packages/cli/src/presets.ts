import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export type PresetName = "dev" | "testnet";

/**
 * Preset files live in the repository's genesis/ folder (SPEC §1): a genesis JSON that may also carry the
 * network's `bootnodes` (libp2p multiaddrs). KNODE_PRESETS_DIR points elsewhere (tests, private networks).
 */
export function presetGenesisPath(name: PresetName): string {
  const dir = process.env.KNODE_PRESETS_DIR;
  if (dir) return path.join(dir, `${name}.json`);
  return fileURLToPath(new URL(`../../../genesis/${name}.json`, import.meta.url));
}

/** The bootnodes a preset lists (empty when it lists none). */
export function presetBootnodes(name: PresetName): string[] {
  const parsed = JSON.parse(readFileSync(presetGenesisPath(name), "utf8")) as { bootnodes?: unknown };
  const list = parsed.bootnodes;
  return Array.isArray(list) ? list.filter((b): b is string => typeof b === "string") : [];
}

/**
 * The dev network's single validator key and funded accounts are public on purpose, like Hardhat's: they
 * let `knode --network dev --role cn` run a chain with no setup. Never use them for value.
 */
export const DEV_VALIDATOR_KEY = "0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63";
export const DEV_ACCOUNT_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
];

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Chain } from "@knode/chain";
import { bytesToHex, KnodeError } from "@knode/common";
import { LevelKvStore } from "@knode/db";
import { parseGenesis } from "@knode/types";
import { datadirPaths, genesisCopyPath } from "./datadir.js";

export enum InitErrorCode {
  GENESIS_UNREADABLE = "NODE_GENESIS_UNREADABLE",
  NOT_INITIALIZED = "NODE_NOT_INITIALIZED",
}

export class InitError extends KnodeError<{ code: InitErrorCode; path: string }> {}

/**
 * `knode init`: writes the genesis block and state into DATADIR/klay/chaindata and keeps the genesis file
 * beside it. Re-running with the same genesis is a no-op; another genesis is refused.
 */
export async function initDatadir(datadir: string, genesisPath: string): Promise<{ hash: string; created: boolean }> {
  let text: string;
  try {
    text = readFileSync(genesisPath, "utf8");
  } catch {
    throw new InitError(
      { code: InitErrorCode.GENESIS_UNREADABLE, path: genesisPath },
      `cannot read genesis file ${genesisPath}`,
    );
  }
  const spec = parseGenesis(text);
  const paths = datadirPaths(datadir);
  mkdirSync(paths.klay, { recursive: true });
  const kv = await LevelKvStore.open(paths.chaindata);
  try {
    const { hash, created } = await Chain.initGenesis(kv, spec);
    if (created || !existsSync(genesisCopyPath(datadir))) writeFileSync(genesisCopyPath(datadir), text);
    return { hash: bytesToHex(hash), created };
  } finally {
    await kv.close();
  }
}

export function assertInitialized(datadir: string): void {
  if (!existsSync(genesisCopyPath(datadir))) {
    throw new InitError(
      { code: InitErrorCode.NOT_INITIALIZED, path: datadir },
      `datadir ${datadir} has no genesis: run \`knode init --datadir ${datadir} GENESIS_JSON\` first`,
    );
  }
}

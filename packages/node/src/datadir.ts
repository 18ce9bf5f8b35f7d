import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bytesToHex, hexToBytesLoose, KnodeError } from "@knode/common";
import { isValidPrivateKey, randomPrivateKey } from "@knode/crypto";
import { type GenesisSpec, parseGenesis } from "@knode/types";

/** Layout of a data directory (SPEC §2). */
export function datadirPaths(datadir: string) {
  const klay = path.join(datadir, "klay");
  return {
    root: datadir,
    klay,
    keystore: path.join(datadir, "keystore"),
    nodekey: path.join(klay, "nodekey"),
    staticNodes: path.join(klay, "static-nodes.json"),
    chaindata: path.join(klay, "chaindata"),
    consensusWal: path.join(klay, "consensus-wal"),
  };
}

export enum NodeKeyErrorCode {
  INVALID = "NODE_INVALID_NODEKEY",
}

export class NodeKeyError extends KnodeError<{ code: NodeKeyErrorCode; source: string }> {}

export function parseNodeKey(text: string, source: string): Uint8Array {
  const hex = text.trim();
  let key: Uint8Array | undefined;
  try {
    key = hexToBytesLoose(hex.startsWith("0x") ? hex : `0x${hex}`);
  } catch {
    key = undefined;
  }
  if (key?.length !== 32 || !isValidPrivateKey(key)) {
    throw new NodeKeyError({ code: NodeKeyErrorCode.INVALID, source }, `invalid node key in ${source}`);
  }
  return key;
}

/**
 * The node key: --nodekeyhex, else --nodekey FILE, else DATADIR/klay/nodekey, created with mode 0600 on
 * first start like geth/Klaytn do.
 */
export function loadOrCreateNodeKey(datadir: string, opts: { nodekeyFile?: string; nodekeyHex?: string }): Uint8Array {
  if (opts.nodekeyHex) return parseNodeKey(opts.nodekeyHex, "--nodekeyhex");
  if (opts.nodekeyFile) return parseNodeKey(readFileSync(opts.nodekeyFile, "utf8"), opts.nodekeyFile);
  const p = datadirPaths(datadir).nodekey;
  if (existsSync(p)) return parseNodeKey(readFileSync(p, "utf8"), p);
  const key = randomPrivateKey();
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, bytesToHex(key).slice(2), { mode: 0o600 });
  return key;
}

/** `knode init` keeps a copy of the genesis in the datadir so that a node knows its chain's rules. */
export function genesisCopyPath(datadir: string): string {
  return path.join(datadirPaths(datadir).klay, "genesis.json");
}

export function readGenesisOf(datadir: string): GenesisSpec {
  return parseGenesis(readFileSync(genesisCopyPath(datadir), "utf8"));
}

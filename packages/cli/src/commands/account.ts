import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { hexToBytesLoose } from "@knode/common";
import { encryptKeystore, isValidPrivateKey, toChecksumAddress } from "@knode/crypto";
import { datadirPaths } from "@knode/node";
import { CliError, CliErrorCode } from "../errors.js";

export interface AccountOptions {
  datadir: string;
  password?: string;
  /** scrypt N; geth's default 262144, lowered only by tests (`--lightkdf`). */
  scryptN?: number;
}

/** Reads the password from --password FILE (first line), else asks on the terminal. */
async function readPassword(o: AccountOptions, confirm: boolean): Promise<string> {
  if (o.password) return readFileSync(o.password, "utf8").split(/\r?\n/)[0];
  if (!process.stdin.isTTY)
    throw new CliError(CliErrorCode.USAGE, "no terminal to ask for a password: use --password FILE");
  const ask = (q: string) =>
    new Promise<string>((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      rl.question(q, (a) => {
        rl.close();
        resolve(a);
      });
    });
  const p = await ask("Password: ");
  if (confirm && (await ask("Repeat password: ")) !== p)
    throw new CliError(CliErrorCode.USAGE, "passwords do not match");
  return p;
}

async function store(o: AccountOptions, key: Uint8Array): Promise<string> {
  const password = await readPassword(o, true);
  const json = await encryptKeystore(key, password, o.scryptN ? { scryptN: o.scryptN } : {});
  const dir = datadirPaths(o.datadir).keystore;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const iso = new Date().toISOString().replace(/:/g, "-");
  const file = path.join(dir, `UTC--${iso}--${json.address}`);
  writeFileSync(file, JSON.stringify(json), { mode: 0o600 });
  return `0x${json.address}`;
}

export async function accountNew(o: AccountOptions, randomKey: () => Uint8Array): Promise<void> {
  const address = await store(o, randomKey());
  process.stdout.write(`Your new key was generated\nPublic address of the key: ${toChecksumAddress(address)}\n`);
}

export async function accountImport(o: AccountOptions, keyFile: string): Promise<void> {
  let key: Uint8Array;
  try {
    const hex = readFileSync(keyFile, "utf8").trim();
    key = hexToBytesLoose(hex.startsWith("0x") ? hex : `0x${hex}`);
  } catch {
    throw new CliError(CliErrorCode.USAGE, `cannot read a hex private key from ${keyFile}`);
  }
  if (key.length !== 32 || !isValidPrivateKey(key))
    throw new CliError(CliErrorCode.USAGE, `${keyFile} holds no valid private key`);
  const address = await store(o, key);
  process.stdout.write(`Address: {${address.slice(2)}}\n`);
}

export function accountList(o: AccountOptions): void {
  const dir = datadirPaths(o.datadir).keystore;
  let files: string[] = [];
  try {
    files = readdirSync(dir).sort();
  } catch {
    files = [];
  }
  let i = 0;
  for (const f of files) {
    try {
      const json = JSON.parse(readFileSync(path.join(dir, f), "utf8")) as { address?: string };
      if (typeof json.address !== "string") continue;
      process.stdout.write(`Account #${i++}: {${json.address.toLowerCase()}} keystore://${path.resolve(dir, f)}\n`);
    } catch {
      // not a keystore file
    }
  }
}

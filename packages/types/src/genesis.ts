import { bytesToHex, hexToBytesLoose, padBytes, toQuantity } from "@knode/common";
import { TypesError, TypesErrorCode } from "./errors.js";
import { decodeIstanbulExtra } from "./istanbulExtra.js";
import type { ChainConfig, GenesisAccount, GenesisSpec } from "./model.js";
import { parseJsonKeepNumbers } from "./safeJson.js";

/** Defaults of Klaytn's genesis tooling (homi) and of knode's SPEC. */
export const GENESIS_DEFAULTS = {
  blockPeriod: 1,
  unitPrice: 25_000_000_000n,
  istanbul: { epoch: 604_800n, policy: 0 as const, sub: 21 },
  governanceMode: "single" as const,
  mintingAmount: 9_600_000_000_000_000_000n,
  ratio: "100/0/0",
};

type Json = Record<string, unknown>;

function invalid(field: string, message: string): TypesError {
  return new TypesError({ code: TypesErrorCode.INVALID_GENESIS, field }, `invalid genesis: ${field}: ${message}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Numbers arrive as their source text; hex strings and decimal strings are accepted alike. */
function toBigInt(v: unknown, field: string): bigint {
  if (typeof v === "string") {
    if (/^0x[0-9a-fA-F]+$/.test(v) || /^\d+$/.test(v)) return BigInt(v);
  }
  throw invalid(field, `expected a non-negative integer, got ${JSON.stringify(v)}`);
}

function optBigInt(obj: Json, key: string, field: string, dflt: bigint): bigint {
  const v = obj[key];
  return v === undefined || v === null ? dflt : toBigInt(v, field);
}

function optInt(obj: Json, key: string, field: string, dflt: number, min: number, max: number): number {
  const v = obj[key];
  if (v === undefined || v === null) return dflt;
  const n = toBigInt(v, field);
  if (n < BigInt(min) || n > BigInt(max)) throw invalid(field, `must be between ${min} and ${max}`);
  return Number(n);
}

/**
 * Block period in seconds. Fractions down to 0.1 s are allowed so that tests can run many blocks quickly;
 * block times keep 10 ms resolution (timestampFoS).
 */
function optPeriod(obj: Json, field: string): number {
  const v = obj.blockPeriod;
  if (v === undefined || v === null) return GENESIS_DEFAULTS.blockPeriod;
  const n = typeof v === "string" || typeof v === "number" ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n < 0.1 || n > 3600)
    throw invalid(field, "must be a number of seconds between 0.1 and 3600");
  return n;
}

function optHex(obj: Json, key: string, field: string): Uint8Array {
  const v = obj[key];
  if (v === undefined || v === null || v === "") return new Uint8Array(0);
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]*$/.test(v)) throw invalid(field, "expected a 0x hex string");
  return hexToBytesLoose(v);
}

function objectField(obj: Json, key: string, field: string): Json {
  const v = obj[key];
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw invalid(field, "expected an object");
  return v;
}

function parseAddressKey(key: string, field: string): string {
  const hex = key.startsWith("0x") || key.startsWith("0X") ? key.slice(2) : key;
  if (!/^[0-9a-fA-F]{40}$/.test(hex)) throw invalid(field, `not an address: ${key}`);
  return `0x${hex.toLowerCase()}`;
}

function parseWord(v: unknown, field: string): Uint8Array {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{1,64}$/.test(v))
    throw invalid(field, "expected a hex word of up to 32 bytes");
  return padBytes(hexToBytesLoose(v), 32);
}

function parseAccount(v: unknown, field: string): GenesisAccount {
  if (!isObject(v)) throw invalid(field, "expected an object");
  const acc: GenesisAccount = { balance: optBigInt(v, "balance", `${field}.balance`, 0n) };
  if (v.nonce !== undefined) acc.nonce = toBigInt(v.nonce, `${field}.nonce`);
  if (v.code !== undefined) acc.code = optHex(v, "code", `${field}.code`);
  if (v.storage !== undefined) {
    const storage = objectField(v, "storage", `${field}.storage`);
    acc.storage = new Map();
    for (const [slot, value] of Object.entries(storage)) {
      const key = bytesToHex(parseWord(slot, `${field}.storage`));
      acc.storage.set(key, parseWord(value, `${field}.storage[${slot}]`));
    }
  }
  return acc;
}

function parseConfig(c: Json, firstValidator: string | undefined): ChainConfig {
  if (c.chainId === undefined) throw invalid("config.chainId", "missing");
  const chainId = toBigInt(c.chainId, "config.chainId");
  const ist = objectField(c, "istanbul", "config.istanbul");
  const policy = optInt(ist, "policy", "config.istanbul.policy", GENESIS_DEFAULTS.istanbul.policy, 0, 2) as 0 | 1 | 2;
  const gov = objectField(c, "governance", "config.governance");
  const reward = objectField(gov, "reward", "config.governance.reward");
  const mode = gov.governanceMode ?? GENESIS_DEFAULTS.governanceMode;
  if (mode !== "none" && mode !== "single" && mode !== "ballot") {
    throw invalid("config.governance.governanceMode", `unknown mode ${JSON.stringify(mode)}`);
  }
  let governingNode = firstValidator;
  if (gov.governingNode !== undefined) {
    if (typeof gov.governingNode !== "string") throw invalid("config.governance.governingNode", "expected an address");
    governingNode = parseAddressKey(gov.governingNode, "config.governance.governingNode");
  }
  if (governingNode === undefined)
    throw invalid("config.governance.governingNode", "missing and no validator to default to");
  const ratio = reward.ratio ?? GENESIS_DEFAULTS.ratio;
  if (typeof ratio !== "string" || !/^\d+\/\d+\/\d+$/.test(ratio))
    throw invalid("config.governance.reward.ratio", 'expected "a/b/c"');
  return {
    chainId,
    istanbul: {
      epoch: optBigInt(ist, "epoch", "config.istanbul.epoch", GENESIS_DEFAULTS.istanbul.epoch),
      policy,
      sub: optInt(ist, "sub", "config.istanbul.sub", GENESIS_DEFAULTS.istanbul.sub, 1, 1_000_000),
    },
    governance: {
      governanceMode: mode,
      governingNode,
      reward: {
        mintingAmount: optBigInt(
          reward,
          "mintingAmount",
          "config.governance.reward.mintingAmount",
          GENESIS_DEFAULTS.mintingAmount,
        ),
        ratio,
      },
    },
    unitPrice: optBigInt(c, "unitPrice", "config.unitPrice", GENESIS_DEFAULTS.unitPrice),
    blockPeriod: optPeriod(c, "config.blockPeriod"),
  };
}

/** Parses a Klaytn-style genesis.json; unknown keys (deriveShaImpl, number, ...) are ignored. */
export function parseGenesis(text: string): GenesisSpec {
  let root: unknown;
  try {
    root = parseJsonKeepNumbers(text);
  } catch (e) {
    throw invalid("json", e instanceof Error ? e.message : String(e));
  }
  if (!isObject(root)) throw invalid("json", "expected an object");
  const extraData = optHex(root, "extraData", "extraData");
  let validators: Uint8Array[];
  try {
    validators = decodeIstanbulExtra(extraData).validators;
  } catch (e) {
    throw invalid("extraData", e instanceof Error ? e.message : String(e));
  }
  if (validators.length === 0) throw invalid("extraData", "the genesis council is empty");
  if (!isObject(root.config)) throw invalid("config", "missing");
  const alloc = new Map<string, GenesisAccount>();
  for (const [key, acc] of Object.entries(objectField(root, "alloc", "alloc"))) {
    const addr = parseAddressKey(key, "alloc");
    if (alloc.has(addr)) throw invalid("alloc", `duplicate address ${addr}`);
    alloc.set(addr, parseAccount(acc, `alloc[${key}]`));
  }
  return {
    config: parseConfig(root.config, bytesToHex(validators[0])),
    timestamp: optBigInt(root, "timestamp", "timestamp", 0n),
    extraData,
    governanceData: optHex(root, "governanceData", "governanceData"),
    blockScore: optBigInt(root, "blockScore", "blockScore", 1n),
    alloc,
  };
}

/** Integers that fit a JS number exactly stay numbers; larger ones become decimal strings. */
function jsonInt(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString(10);
}

/** Pretty JSON that parseGenesis reads back to an equal spec. */
export function genesisToJson(spec: GenesisSpec): string {
  const c = spec.config;
  const alloc: Json = {};
  for (const [addr, acc] of spec.alloc) {
    const out: Json = { balance: toQuantity(acc.balance) };
    if (acc.nonce !== undefined) out.nonce = toQuantity(acc.nonce);
    if (acc.code !== undefined) out.code = bytesToHex(acc.code);
    if (acc.storage !== undefined) {
      const storage: Json = {};
      for (const [slot, value] of acc.storage) storage[slot] = bytesToHex(value);
      out.storage = storage;
    }
    alloc[addr] = out;
  }
  const json = {
    config: {
      chainId: jsonInt(c.chainId),
      istanbul: { epoch: jsonInt(c.istanbul.epoch), policy: c.istanbul.policy, sub: c.istanbul.sub },
      governance: {
        governanceMode: c.governance.governanceMode,
        governingNode: c.governance.governingNode,
        reward: { mintingAmount: c.governance.reward.mintingAmount.toString(10), ratio: c.governance.reward.ratio },
      },
      unitPrice: jsonInt(c.unitPrice),
      blockPeriod: c.blockPeriod,
    },
    timestamp: toQuantity(spec.timestamp),
    extraData: bytesToHex(spec.extraData),
    governanceData: bytesToHex(spec.governanceData),
    blockScore: toQuantity(spec.blockScore),
    alloc,
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

import { defaultNodeOptions, type NodeOptions, type NodeRole } from "@knode/node";
import { type Command, InvalidArgumentError, Option } from "commander";
import { readConfigFile } from "./config.js";
import { CliError, CliErrorCode } from "./errors.js";

function intArg(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

const portArg = intArg(0, 65535);
const listArg = (value: string): string[] =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** Klaytn's txpool flags, mapped to TxPoolOptions fields. */
const TXPOOL_FLAGS: [flag: string, field: string, help: string][] = [
  ["txpool.pricebump", "priceBump", "price bump percentage to replace an already existing transaction"],
  ["txpool.exec-slots.account", "execSlotsAccount", "executable transaction slots guaranteed per account"],
  ["txpool.exec-slots.all", "execSlotsAll", "maximum executable transaction slots for all accounts"],
  ["txpool.nonexec-slots.account", "nonExecSlotsAccount", "non-executable transaction slots per account"],
  ["txpool.nonexec-slots.all", "nonExecSlotsAll", "maximum non-executable transaction slots for all accounts"],
  ["txpool.lifetime", "lifetimeSeconds", "seconds non-executable transactions are queued"],
];

/** Declares every node flag of SPEC §2 on `cmd`, with Klaytn's names and defaults. */
export function addNodeFlags(cmd: Command): Command {
  const d = defaultNodeOptions;
  cmd
    .addOption(new Option("--role <role>", "node role").choices(["cn", "pn", "en"]).default("en"))
    .option("--datadir <dir>", "data directory", defaultDatadir())
    .option("--networkid <id>", "network identifier (default: the chain id)", intArg(0, Number.MAX_SAFE_INTEGER))
    .addOption(new Option("--network <name>", "preset network (genesis and bootnodes)").choices(["dev", "testnet"]))
    .option("--port <port>", "p2p listening port", portArg, d.port)
    .option("--bootnodes <list>", "comma-separated libp2p multiaddrs with /p2p/<id>", listArg)
    .option("--nodiscover", "disable peer discovery", false)
    .option("--maxconnections <n>", "maximum number of peers", intArg(0, 100_000), d.maxConnections)
    .option("--nodekey <file>", "node key file (hex)")
    .option("--nodekeyhex <hex>", "node key as hex")
    .option("--rewardbase <address>", "address receiving block rewards (default: the node key's address)")
    .option("--rpc", "enable the HTTP JSON-RPC server", false)
    .option("--rpcaddr <addr>", "HTTP-RPC listening address", d.rpc.addr)
    .option("--rpcport <port>", "HTTP-RPC port", portArg, d.rpc.port)
    .option("--rpcapi <list>", "APIs offered over HTTP-RPC", listArg, d.rpc.api)
    .option("--ws", "enable the WebSocket JSON-RPC server", false)
    .option("--wsaddr <addr>", "WS-RPC listening address", d.ws.addr)
    .option("--wsport <port>", "WS-RPC port", portArg, d.ws.port)
    .option("--wsapi <list>", "APIs offered over WS-RPC", listArg, d.ws.api)
    .option("--rpccorsdomain <list>", "origins allowed for cross-site requests", listArg, [])
    .option("--rpcvhosts <list>", "virtual hostnames accepted (* for any)", listArg, d.vhosts)
    .option("--metrics", "enable metrics collection and the Prometheus endpoint", false)
    .option("--prometheusport <port>", "Prometheus exporter port", portArg, d.metrics.port)
    .option("--verbosity <level>", "log level 0..5 (3 = info)", intArg(0, 5), 3)
    .addOption(new Option("--log.format <format>", "log format").choices(["text", "json"]).default("text"))
    .option(
      "--istanbul.timeout <ms>",
      "base round timeout in ms (round r lasts base + base/10·2^r)",
      intArg(100, 600_000),
    )
    .option("--unlock <address>", "account to unlock (needs --password)")
    .option("--password <file>", "password file for --unlock")
    .option("--conf <file>", "YAML or TOML file holding any of these flags");
  for (const [flag, , help] of TXPOOL_FLAGS) cmd.option(`--${flag} <n>`, help, intArg(0, 1_000_000_000));
  return cmd;
}

/** Commander's property name for a long flag: dashes camel-cased, dots kept. */
function attributeOf(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function defaultDatadir(): string {
  return `${process.env.HOME ?? "."}/.knode`;
}

/**
 * The effective flag values: command line beats the config file, which beats the defaults. Config values
 * go through the same parsers as flags, so a bad value in a file fails the same way.
 */
export function effectiveFlags(cmd: Command): Record<string, unknown> {
  const values: Record<string, unknown> = { ...cmd.opts() };
  const conf = values.conf as string | undefined;
  if (!conf) return values;
  const fromFile = readConfigFile(conf);
  for (const [key, raw] of Object.entries(fromFile)) {
    const opt = cmd.options.find((o) => o.long === `--${key}`);
    if (!opt) throw new CliError(CliErrorCode.BAD_CONFIG, `config file ${conf}: unknown flag "${key}"`);
    const attr = opt.attributeName();
    if (cmd.getOptionValueSource(attr) === "cli") continue;
    let value: unknown = raw;
    if (opt.parseArg && raw !== true && raw !== false) {
      const text = Array.isArray(raw) ? raw.join(",") : String(raw);
      try {
        value = opt.parseArg(text, undefined);
      } catch (e) {
        throw new CliError(CliErrorCode.BAD_CONFIG, `config file ${conf}: ${key}: ${(e as Error).message}`);
      }
    }
    if (opt.argChoices && !opt.argChoices.includes(String(value))) {
      throw new CliError(
        CliErrorCode.BAD_CONFIG,
        `config file ${conf}: ${key} must be one of ${opt.argChoices.join(", ")}`,
      );
    }
    values[attr] = value;
  }
  return values;
}

export function toNodeOptions(f: Record<string, unknown>): NodeOptions {
  if (f.unlock && !f.password) throw new CliError(CliErrorCode.BAD_FLAG, "--unlock needs --password FILE");
  // Refused rather than silently ignored: nothing signs with an unlocked account yet (no personal_ API,
  // no eth_sendTransaction), so accepting the flag would mislead.
  if (f.unlock)
    throw new CliError(CliErrorCode.BAD_FLAG, "--unlock is not supported yet: sign transactions client-side");
  const txpool: Record<string, number> = {};
  for (const [flag, field] of TXPOOL_FLAGS) {
    const v = f[attributeOf(flag)];
    if (typeof v === "number") txpool[field] = v;
  }
  return {
    ...defaultNodeOptions,
    datadir: f.datadir as string,
    role: f.role as NodeRole,
    networkId: f.networkid === undefined ? undefined : BigInt(f.networkid as number),
    port: f.port as number,
    bootnodes: (f.bootnodes as string[] | undefined) ?? [],
    nodiscover: Boolean(f.nodiscover),
    maxConnections: f.maxconnections as number,
    nodekeyFile: f.nodekey as string | undefined,
    nodekeyHex: f.nodekeyhex as string | undefined,
    rewardbase: f.rewardbase as string | undefined,
    rpc: { enabled: Boolean(f.rpc), addr: f.rpcaddr as string, port: f.rpcport as number, api: f.rpcapi as string[] },
    ws: { enabled: Boolean(f.ws), addr: f.wsaddr as string, port: f.wsport as number, api: f.wsapi as string[] },
    corsDomains: f.rpccorsdomain as string[],
    vhosts: f.rpcvhosts as string[],
    metrics: { enabled: Boolean(f.metrics), port: f.prometheusport as number },
    txpool,
    roundTimeoutMs: f[attributeOf("istanbul.timeout")] as number | undefined,
  };
}

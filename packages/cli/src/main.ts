import { errorMessage } from "@knode/common";
import { randomPrivateKey } from "@knode/crypto";
import { KNODE_VERSION } from "@knode/node";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { accountImport, accountList, accountNew } from "./commands/account.js";
import { attach } from "./commands/attach.js";
import { initCommand } from "./commands/init.js";
import { localnet } from "./commands/localnet.js";
import { runNode } from "./commands/runNode.js";
import { defaultSetupLocalOptions, setupLocal } from "./commands/setupLocal.js";
import { addNodeFlags, defaultDatadir, effectiveFlags } from "./nodeFlags.js";

function count(min: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError("expected a whole number");
    const n = Number(v);
    if (n < min) throw new InvalidArgumentError(`expected at least ${min}`);
    return n;
  };
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
  return n;
}

export function buildProgram(): Command {
  const program = new Command("knode")
    .description("Klaytn-style blockchain node: consensus (cn), proxy (pn) or endpoint (en) node")
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .enablePositionalOptions();
  addNodeFlags(program).action(async (_opts, cmd: Command) => runNode(effectiveFlags(cmd)));

  program
    .command("init")
    .description("write the genesis block and state into a data directory")
    .requiredOption("--datadir <dir>", "data directory")
    .argument("<genesis>", "genesis JSON file")
    .action(async (genesis: string, o: { datadir: string }) => initCommand(o.datadir, genesis));

  const setup = program.command("setup").description("generate network configurations");
  setup
    .command("local")
    .description("generate a local network: keys, genesis, static nodes and network.json")
    .requiredOption("--cn <n>", "number of consensus nodes", count(1))
    .option("--validators <n>", "number of CNs in the genesis council (default: all)", count(1))
    .option("--pn <n>", "number of proxy nodes", count(0), defaultSetupLocalOptions.pn)
    .option("--en <n>", "number of endpoint nodes", count(0), defaultSetupLocalOptions.en)
    .option("--test-accounts <n>", "number of funded test accounts", count(0), defaultSetupLocalOptions.testAccounts)
    .option("--chain-id <id>", "chain id", count(1), defaultSetupLocalOptions.chainId)
    .option("--block-period <seconds>", "block period in seconds", positiveNumber, defaultSetupLocalOptions.blockPeriod)
    .option("--base-port <port>", "first p2p port", count(1), defaultSetupLocalOptions.basePort)
    .option("--rpc-base-port <port>", "first RPC port", count(1), defaultSetupLocalOptions.rpcBasePort)
    .requiredOption("-o, --out <dir>", "output directory (must be empty)")
    .action((o) => {
      const net = setupLocal(o);
      process.stdout.write(
        `Wrote ${net.nodes.length} nodes and ${net.testAccounts.length} test accounts to ${o.out}\n`,
      );
    });

  program
    .command("localnet")
    .description("set up (if needed) and run a whole local network as child processes")
    .option("--cn <n>", "consensus nodes", count(1), 4)
    .option("--pn <n>", "proxy nodes", count(0), 1)
    .option("--en <n>", "endpoint nodes", count(0), 1)
    .option("--dir <dir>", "network folder", ".localnet")
    .option("--base-port <port>", "first p2p port (new networks)", count(1), defaultSetupLocalOptions.basePort)
    .option("--rpc-base-port <port>", "first RPC port (new networks)", count(1), defaultSetupLocalOptions.rpcBasePort)
    .action(async (o) => localnet(o));

  const account = program.command("account").description("manage keystore accounts");
  const acctOpts = (c: Command) =>
    c
      .option("--datadir <dir>", "data directory", defaultDatadir())
      .option("--password <file>", "file holding the password")
      .option("--lightkdf", "weaker scrypt (N=4096), for tests only", false);
  acctOpts(account.command("new").description("create a new account")).action(async (o) =>
    accountNew({ ...o, scryptN: o.lightkdf ? 4096 : undefined }, randomPrivateKey),
  );
  acctOpts(account.command("list").description("list accounts")).action((o) => accountList(o));
  acctOpts(account.command("import").description("import a hex private key file").argument("<keyfile>")).action(
    async (keyfile: string, o) => accountImport({ ...o, scryptN: o.lightkdf ? 4096 : undefined }, keyfile),
  );

  program
    .command("attach")
    .description("interactive console against a node's RPC")
    .argument("<url>", "HTTP RPC URL")
    .action(async (url: string) => attach(url));

  program
    .command("version")
    .description("print the version")
    .action(() => {
      process.stdout.write(`knode ${KNODE_VERSION}\nnode ${process.versions.node}\n`);
    });
  return program;
}

/**
 * Entry point. Every failure — a bad flag, a missing genesis, a locked datadir, a port in use — ends
 * with one line on stderr and a non-zero exit, never a stack trace.
 */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  const oneLine = (s: string) => process.stderr.write(`${s.trim().split("\n").join(" ")}\n`);
  const harden = (c: Command) => {
    c.exitOverride();
    c.configureOutput({ writeErr: oneLine });
    for (const sub of c.commands) harden(sub);
  };
  harden(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`Fatal: ${errorMessage(e).split("\n")[0]}\n`);
    process.exitCode = 1;
  }
}

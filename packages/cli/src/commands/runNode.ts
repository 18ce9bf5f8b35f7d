import { existsSync } from "node:fs";
import { createLogger } from "@knode/common";
import { datadirPaths, genesisCopyPath, initDatadir, KnodeNode } from "@knode/node";
import { CliError, CliErrorCode } from "../errors.js";
import { toNodeOptions } from "../nodeFlags.js";
import { DEV_VALIDATOR_KEY, type PresetName, presetBootnodes, presetGenesisPath } from "../presets.js";

/** `knode [--role cn|pn|en] [flags]`: runs until SIGINT/SIGTERM, then closes everything cleanly. */
export async function runNode(flags: Record<string, unknown>): Promise<void> {
  const opts = toNodeOptions(flags);
  const logger = createLogger({ verbosity: flags.verbosity as number, format: flags["log.format"] as "text" | "json" });
  const preset = flags.network as PresetName | undefined;
  if (preset) {
    const genesis = presetGenesisPath(preset);
    if (!existsSync(genesis))
      throw new CliError(CliErrorCode.BAD_FLAG, `preset network "${preset}" is not available in this build`);
    if (!existsSync(genesisCopyPath(opts.datadir))) {
      const { hash } = await initDatadir(opts.datadir, genesis);
      logger.info({ network: preset, genesis: hash }, "initialised datadir from preset");
    }
    if (opts.bootnodes.length === 0) opts.bootnodes = presetBootnodes(preset);
    // The dev chain's council is one well-known key, so a dev CN needs no setup at all.
    if (
      preset === "dev" &&
      opts.role === "cn" &&
      !opts.nodekeyFile &&
      !opts.nodekeyHex &&
      !existsSync(datadirPaths(opts.datadir).nodekey)
    ) {
      opts.nodekeyHex = DEV_VALIDATOR_KEY;
    }
  }
  const node = await KnodeNode.create(opts, { logger });
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      logger.info({ signal: sig }, "shutting down");
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve();
    };
    const onInt = () => stop("SIGINT");
    const onTerm = () => stop("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  });
  await node.close();
  // Everything of ours is closed and the logs are written synchronously, but libp2p leaves two referenced
  // timers behind after stop (its address manager's 1-s debounce and a gossipsub heartbeat), which would
  // keep the process idle for about a second; a stopped node exits now.
  process.exit(process.exitCode ?? 0);
}

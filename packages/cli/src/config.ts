import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { CliError, CliErrorCode } from "./errors.js";

/**
 * Reads `--conf FILE` (YAML or TOML, by extension; TOML tried first for unknown extensions). Keys are flag
 * names without dashes (`rpcport`, `log.format`, `txpool.pricebump`); nested tables flatten with dots.
 */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new CliError(CliErrorCode.BAD_CONFIG, `cannot read config file ${file}`);
  }
  let data: unknown;
  try {
    if (/\.ya?ml$/i.test(file)) data = parseYaml(text);
    else if (/\.toml$/i.test(file)) data = parseToml(text);
    else {
      try {
        data = parseToml(text);
      } catch {
        data = parseYaml(text);
      }
    }
  } catch (e) {
    throw new CliError(CliErrorCode.BAD_CONFIG, `config file ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new CliError(CliErrorCode.BAD_CONFIG, `config file ${file} must hold a table of flags`);
  }
  return flatten(data as Record<string, unknown>);
}

function flatten(obj: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v))
      Object.assign(out, flatten(v as Record<string, unknown>, key));
    else out[key] = v;
  }
  return out;
}

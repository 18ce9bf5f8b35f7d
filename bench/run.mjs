#!/usr/bin/env node
// knode benchmarks (SPEC §7). Scripts, not tests: they print one JSON line per case and a short table, and
// exit non-zero when any case fails (a tx not included, a failed receipt, a node that does not start...).
//   npm run bench                          every case at the default size, under a minute
//   npm run bench -- --size small|large    scale every case
//   npm run bench -- --case exec           exec-transfer and exec-erc20 only (or any one case name)
//   npm run bench -- --txs 20000           override the load of the load cases (also --senders, --batch,
//                                          --accounts, --blocks, --block-txs, --sync-blocks)
import { parseArgs } from "node:util";
import { execErc20, execTransfer } from "./cases/exec.mjs";
import { localnet4 } from "./cases/localnet.mjs";
import { recoverMain } from "./cases/recover.mjs";
import { singleCn, singleCnErc20 } from "./cases/singleCn.mjs";
import { syncSpeed } from "./cases/sync.mjs";
import { SIZES } from "./sizes.mjs";
import { printTable } from "./table.mjs";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "default" },
    case: { type: "string", default: "all" },
    txs: { type: "string" },
    senders: { type: "string" },
    batch: { type: "string" },
    accounts: { type: "string" },
    blocks: { type: "string" },
    "block-txs": { type: "string" },
    "sync-blocks": { type: "string" },
    rate: { type: "string" },
  },
});

const CASES = {
  "recover-main": recoverMain,
  "single-cn": singleCn,
  "single-cn-erc20": singleCnErc20,
  "localnet-4cn": localnet4,
  sync: syncSpeed,
  "exec-transfer": execTransfer,
  "exec-erc20": execErc20,
};
const ALIASES = { all: Object.keys(CASES), exec: ["exec-transfer", "exec-erc20"] };

function fail(message) {
  console.error(message);
  process.exit(2);
}

const size = SIZES[values.size] ?? fail(`unknown --size ${values.size}; sizes: ${Object.keys(SIZES).join(", ")}`);
const selected = values.case.split(",").flatMap((name) => ALIASES[name] ?? [name]);
for (const name of selected) {
  if (!CASES[name]) fail(`unknown case ${name}; cases: ${[...Object.keys(CASES), "exec", "all"].join(", ")}`);
}

/** Flag overrides; each applies to the cases whose parameters have that key. */
function positive(flag) {
  if (values[flag] === undefined) return undefined;
  const n = Number(values[flag]);
  if (!Number.isInteger(n) || n < 1) fail(`--${flag} must be a positive integer`);
  return n;
}
const overrides = Object.entries({
  txs: positive("txs"),
  senders: positive("senders"),
  batch: positive("batch"),
  accounts: positive("accounts"),
  blocks: positive("blocks"),
  txsPerBlock: positive("block-txs"),
  rate: positive("rate"),
}).filter(([, v]) => v !== undefined);
const params = {};
for (const name of Object.keys(CASES)) {
  params[name] = { ...size[name] };
  for (const [k, v] of overrides) if (k in params[name]) params[name][k] = v;
}
// --blocks counts execution blocks; the sync chain length has its own flag.
params.sync.blocks = positive("sync-blocks") ?? size.sync.blocks;

const ctx = { selected, params };
const results = [];
let failed = 0;
const started = performance.now();
try {
  for (const name of selected) {
    try {
      const r = await CASES[name](params[name], ctx);
      console.log(JSON.stringify(r));
      results.push(r);
    } catch (e) {
      failed++;
      console.log(JSON.stringify({ case: name, error: e instanceof Error ? e.message : String(e) }));
      console.error(e);
    }
  }
} finally {
  await ctx.execWorld?.close();
}
printTable(results, { size: values.size, seconds: (performance.now() - started) / 1000 });
if (failed > 0) {
  console.error(`${failed} case(s) failed`);
  process.exitCode = 1;
}

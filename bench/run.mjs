#!/usr/bin/env node
// knode benchmarks (SPEC §7). Scripts, not tests: they print one JSON line per case and a short table.
//   npm run bench                 default size, finishes in about a minute
//   npm run bench -- --txs 20000  bigger load
//   npm run bench -- --case single-cn
import { parseArgs } from "node:util";
import { localnet4 } from "./cases/localnet.mjs";
import { recoverMain } from "./cases/recover.mjs";
import { singleCn } from "./cases/singleCn.mjs";
import { syncSpeed } from "./cases/sync.mjs";

const { values } = parseArgs({
  options: {
    txs: { type: "string", default: "6000" },
    senders: { type: "string", default: "40" },
    batch: { type: "string", default: "200" },
    case: { type: "string", default: "all" },
  },
});

const cases = { "recover-main": recoverMain, "single-cn": singleCn, "localnet-4cn": localnet4, sync: syncSpeed };
const selected = values.case === "all" ? Object.keys(cases) : [values.case];
const results = [];
for (const name of selected) {
  const run = cases[name];
  if (!run) {
    console.error(`unknown case ${name}; cases: ${Object.keys(cases).join(", ")}`);
    process.exit(2);
  }
  const r = await run({ txs: Number(values.txs), senders: Number(values.senders), batch: Number(values.batch) });
  console.log(JSON.stringify(r));
  results.push(r);
}
console.log("");
console.log(
  "case          txs    committed TPS  p50 latency  p99 latency  block interval  exec ms/block (mean/max)  peak RSS",
);
for (const r of results) {
  if (r.case === "sync") {
    console.log(
      `${r.case.padEnd(13)} ${r.blocks} blocks, ${r.txs} txs re-executed in ${r.seconds} s: ${r.blocksPerSec} blocks/s, ${r.txPerSec} tx/s`,
    );
    continue;
  }
  if (r.committedTps === undefined) {
    console.log(
      `${r.case.padEnd(13)} recover/s: native main thread ${r.recoverPerSecMainThread} (direct ${r.recoverPerSecDirect}), pool ${r.recoverPerSecPool ?? "-"} (${r.poolThreads ?? "?"} worker(s)), noble ${r.recoverPerSecNoble}`,
    );
    continue;
  }
  console.log(
    `${r.case.padEnd(13)} ${String(r.txs).padEnd(6)} ${r.committedTps.toFixed(0).padStart(13)}  ${`${r.latencyP50Ms} ms`.padStart(11)}  ${`${r.latencyP99Ms} ms`.padStart(11)}  ${`${r.meanBlockIntervalMs} ms`.padStart(14)}  ${`${r.execMsPerBlockMean}/${r.execMsPerBlockMax}`.padStart(24)}  ${r.peakRssMb} MiB`,
  );
}

// The short human-readable summary printed after the JSON lines.

const LOAD_HEADER =
  "case            txs    offered/s  committed TPS  steady TPS  p50 latency  p99 latency  block interval  exec ms/block (mean/max)  peak RSS";

function loadRow(r) {
  const offered = r.offeredTps ? String(r.offeredTps) : "burst";
  return `${r.case.padEnd(15)} ${String(r.txs).padEnd(6)} ${offered.padStart(9)}  ${r.committedTps.toFixed(0).padStart(13)}  ${String(r.steadyTps ?? "-").padStart(10)}  ${`${r.latencyP50Ms} ms`.padStart(11)}  ${`${r.latencyP99Ms} ms`.padStart(11)}  ${`${r.meanBlockIntervalMs} ms`.padStart(14)}  ${`${r.execMsPerBlockMean}/${r.execMsPerBlockMax}`.padStart(24)}  ${r.peakRssMb} MiB`;
}

function otherRow(r) {
  if (r.case === "sync") {
    return `${r.case.padEnd(15)} ${r.blocks} blocks, ${r.txs} txs re-executed in ${r.seconds} s: ${r.blocksPerSec} blocks/s, ${r.txPerSec} tx/s`;
  }
  if (r.case === "recover-main") {
    return `${r.case.padEnd(15)} recover/s: native main thread ${r.recoverPerSecMainThread} (direct ${r.recoverPerSecDirect}), pool ${r.recoverPerSecPool ?? "-"} (${r.poolThreads ?? "?"} worker(s)), noble ${r.recoverPerSecNoble}`;
  }
  if (r.case.startsWith("exec-")) {
    return `${r.case.padEnd(15)} ${r.txsPerBlock} txs: build ${r.buildMsMean} ms (${r.txPerSecBuild} tx/s), verify ${r.verifyMsMean} ms, commit ${r.commitMsMean} ms; max build/verify ${r.buildMsMax}/${r.verifyMsMax} ms; senders not preset: build ${r.noPresetSenders.buildMs} ms, verify ${r.noPresetSenders.verifyMs} ms (${r.blocks} blocks, ${r.accounts} accounts)`;
  }
  return `${r.case.padEnd(15)} ${JSON.stringify(r)}`;
}

export function printTable(results, { size, seconds }) {
  console.log("");
  const load = results.filter((r) => r.committedTps !== undefined);
  if (load.length) {
    console.log(LOAD_HEADER);
    for (const r of load) console.log(loadRow(r));
    console.log("");
  }
  for (const r of results.filter((x) => x.committedTps === undefined)) console.log(otherRow(r));
  console.log(`\nsize ${size}: ${results.length} case(s) in ${seconds.toFixed(1)} s`);
}

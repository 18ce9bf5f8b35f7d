// In-process block execution: a Chain on a temp LevelDB with a large funded genesis, and the timing of
// buildProposal (proposer), verifyProposal (validator re-execution) and commitProposal (the write) for
// blocks of pre-signed transactions. No child node, no RPC, no consensus: only the chain's own work.
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Chain } from "@knode/chain";
import { bigIntToFixedBytes, bytesToHex, nullLogger, seededRandom } from "@knode/common";

export { seededRandom };

import { privateKeyToAddress } from "@knode/crypto";
import { LevelKvStore } from "@knode/db";
import { BlockExecutor } from "@knode/evm";
import { parseGenesis } from "@knode/types";
import { ROOT } from "./harness.mjs";

/** Plenty for every fee and value a benchmark spends, far from any overflow. */
export const FUNDING = 10n ** 24n;

/** Deterministic keys (k = 0x1000 + i) so runs are comparable; addresses derived once. */
export function benchAccounts(count) {
  const keys = new Array(count);
  const addresses = new Array(count);
  for (let i = 0; i < count; i++) {
    keys[i] = bigIntToFixedBytes(0x1000n + BigInt(i), 32);
    addresses[i] = privateKeyToAddress(keys[i]);
  }
  return { keys, addresses, nonces: new Array(count).fill(0n) };
}

/**
 * The dev genesis (its config and council) with `alloc` replaced: every bench account funded, plus the
 * extra accounts (a contract) the case adds.
 */
export function benchGenesis(accounts, extra = new Map()) {
  const spec = parseGenesis(readFileSync(path.join(ROOT, "genesis/dev.json"), "utf8"));
  const alloc = new Map();
  for (const a of accounts.addresses) alloc.set(bytesToHex(a), { balance: FUNDING });
  for (const [k, v] of extra) alloc.set(k, v);
  return { ...spec, alloc };
}

/** A chain on the LevelDB at `dir`, wired as the node wires it (see packages/node knodeNode.ts). */
async function openChainAt(dir, spec) {
  const kv = await LevelKvStore.open(dir);
  try {
    const executor = new BlockExecutor(
      { chainId: spec.config.chainId, mintingAmount: spec.config.governance.reward.mintingAmount },
      { logger: nullLogger() },
    );
    return { chain: await Chain.open({ kv, logger: nullLogger(), executor }), kv };
  } catch (e) {
    await kv.close();
    throw e;
  }
}

/**
 * Two nodes' chains from one genesis: the proposer's and a validator's, each on its own LevelDB (a copy
 * made right after genesis), so the validator re-executes with its own caches as a real one does rather
 * than reading what the proposer's build just warmed.
 */
export async function openBenchChains(spec) {
  const root = mkdtempSync(path.join(tmpdir(), "knode-bench-exec-"));
  const open = [];
  const close = async () => {
    for (const kv of open) await kv.close();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const proposerDir = path.join(root, "proposer");
    const validatorDir = path.join(root, "validator");
    const kv = await LevelKvStore.open(proposerDir);
    const t = performance.now();
    try {
      await Chain.initGenesis(kv, spec);
    } finally {
      await kv.close();
    }
    const genesisMs = Math.round(performance.now() - t);
    cpSync(proposerDir, validatorDir, { recursive: true });
    const proposer = await openChainAt(proposerDir, spec);
    open.push(proposer.kv);
    const validator = await openChainAt(validatorDir, spec);
    open.push(validator.kv);
    return { proposer: proposer.chain, validator: validator.chain, genesisMs, close };
  } catch (e) {
    await close();
    throw e;
  }
}

const REWARDBASE = privateKeyToAddress(bigIntToFixedBytes(0xbeefn, 32));
const EMPTY = new Uint8Array(0);

/**
 * Builds, verifies and commits one block of `txs` on the head. Throws unless every tx is included and
 * `checkReceipt` accepts every receipt of both executions.
 */
export async function timeBlock({ proposer, validator }, txs, checkReceipt, { presetSenders = true } = {}) {
  const senders = txs.map((t) => t.sender);
  if (!presetSenders) for (const t of txs) t.sender = undefined;
  const head = proposer.head();
  let t = performance.now();
  const built = await proposer.buildProposal({
    parentHash: head.hash,
    timestamp: head.header.timestamp + 1n,
    timestampFoS: 0,
    rewardbase: REWARDBASE,
    // The header hash decodes the Istanbul extra: the genesis council without seals serves every block.
    extraData: head.header.extraData,
    voteData: EMPTY,
    governanceData: EMPTY,
    txs,
    deadlineMs: Date.now() + 3_600_000,
  });
  const buildMs = performance.now() - t;
  if (built.transactions.length !== txs.length) {
    const why = built.skipped[0] ? `, first skipped: ${built.skipped[0].reason}` : "";
    throw new Error(`block ${built.header.number}: ${built.transactions.length}/${txs.length} txs included${why}`);
  }
  checkReceipts(built.receipts, checkReceipt, "build");
  // The validator gets the same transaction objects; without preset senders it must recover them too.
  if (!presetSenders) for (const tx of built.transactions) tx.sender = undefined;
  t = performance.now();
  const verified = await validator.verifyProposal({ header: built.header, transactions: built.transactions });
  const verifyMs = performance.now() - t;
  checkReceipts(verified.receipts, checkReceipt, "verify");
  t = performance.now();
  await proposer.commitProposal(built, built.header);
  const commitMs = performance.now() - t;
  await validator.commitProposal(verified, built.header);
  for (const c of [proposer, validator]) {
    if (c.head().header.number !== built.header.number) throw new Error("commit did not move the head");
  }
  txs.forEach((tx, i) => {
    tx.sender = senders[i];
  });
  return { buildMs, verifyMs, commitMs, gasUsed: built.header.gasUsed };
}

/**
 * The state the execution cases run on: the bench accounts, optionally the token, a chain at genesis.
 * When both cases run they share one (building a 10,000-holder genesis twice would cost seconds).
 */
export async function openExecWorld(accounts, extraAlloc = new Map()) {
  const genesis = benchGenesis(accounts, extraAlloc);
  const opened = await openBenchChains(genesis);
  return { accounts, genesis, ...opened };
}

/** Runs `blocks` timed blocks with preset senders and one without, from `nextBlockTxs()`. */
export async function runExecCase({ name, world, blocks, nextBlockTxs, checkReceipt }) {
  const t0 = performance.now();
  const { accounts } = world;
  const signStart = performance.now();
  const batches = [];
  for (let b = 0; b <= blocks; b++) batches.push(nextBlockTxs());
  const signMs = performance.now() - signStart;
  const timed = [];
  for (let b = 0; b < blocks; b++) timed.push(await timeBlock(world, batches[b], checkReceipt));
  const cold = await timeBlock(world, batches[blocks], checkReceipt, { presetSenders: false });
  const txsPerBlock = batches[0].length;
  const stat = (key) => {
    const xs = timed.map((x) => x[key]);
    return { mean: round1(xs.reduce((a, b) => a + b, 0) / xs.length), max: round1(Math.max(...xs)) };
  };
  const build = stat("buildMs");
  const verify = stat("verifyMs");
  const commit = stat("commitMs");
  return {
    case: name,
    accounts: accounts.addresses.length,
    blocks,
    txsPerBlock,
    gasPerBlock: Number(timed[0].gasUsed),
    buildMsMean: build.mean,
    buildMsMax: build.max,
    verifyMsMean: verify.mean,
    verifyMsMax: verify.max,
    commitMsMean: commit.mean,
    commitMsMax: commit.max,
    txPerSecBuild: Math.round((txsPerBlock / build.mean) * 1000),
    txPerSecVerify: Math.round((txsPerBlock / verify.mean) * 1000),
    buildMsPerBlock: timed.map((x) => round1(x.buildMs)),
    verifyMsPerBlock: timed.map((x) => round1(x.verifyMs)),
    noPresetSenders: { buildMs: round1(cold.buildMs), verifyMs: round1(cold.verifyMs) },
    startHead: Number(world.proposer.head().header.number) - blocks - 1,
    genesisMs: world.genesisMs,
    signMs: Math.round(signMs),
    totalMs: Math.round(performance.now() - t0),
  };
}

function checkReceipts(receipts, check, phase) {
  for (let i = 0; i < receipts.length; i++) check(receipts[i], i, phase);
}

function round1(x) {
  return Math.round(x * 10) / 10;
}

/** `count` (sender, recipient) index pairs over distinct funded accounts, with the sender's next nonce. */
export function randomPairs(accounts, count, rand) {
  const n = accounts.addresses.length;
  if (n < 2) throw new Error("the execution cases need at least 2 accounts");
  const out = [];
  for (let i = 0; i < count; i++) {
    const from = Math.floor(rand() * n);
    let to = Math.floor(rand() * (n - 1));
    if (to >= from) to++;
    out.push({ from, to, nonce: accounts.nonces[from]++ });
  }
  return out;
}

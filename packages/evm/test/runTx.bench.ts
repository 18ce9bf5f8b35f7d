/**
 * Block execution throughput on a MerkleStateManager configured like @knode/state's WorldState (native
 * keccak trie, caches): 1,000 value transfers and 1,000 ERC-20 transfers per block, three rounds, plus
 * the cost of the per-tx and per-block helpers. Not part of the test suite: run with
 * `npx vitest bench --run --project unit packages/evm`; results go to $EVM_BENCH_LOG (default stderr).
 * Set EVM_PROFILE=<file> to write a CPU profile of the rounds. EVM_PATCH_STORAGE=1 makes putStorage
 * write only the storage cache: ethereumjs 10.1.3's MerkleStateManager also writes the storage trie on
 * every SSTORE (its `cache.put(...) ?? writeTrie()` always takes the right side), which costs about a
 * third of an ERC-20 transfer; the resulting state roots are identical.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { Caches, MerkleStateManager } from "@ethereumjs/statemanager";
import { createTxFromRLP } from "@ethereumjs/tx";
import { Account, Address } from "@ethereumjs/util";
import { concatBytes } from "@knode/common";
import { keccak256, privateKeyToAddress } from "@knode/crypto";
import type { Transaction } from "@knode/types";
import { bench, describe } from "vitest";
import { createBoundVm } from "../src/boundVm.js";
import { toEthBlock } from "../src/index.js";
import { ADDRS, dynamicTx, env, KEYS, newExecutor, privateKey, word } from "./helpers.js";
import { compileToken } from "./solc.js";

const N = 1000;
const SENDER_COUNT = 250;
const SENDERS = Array.from({ length: SENDER_COUNT }, (_, i) => privateKey(i + 10));
const TRANSFER = keccak256(new TextEncoder().encode("transfer(address,uint256)")).subarray(0, 4);

function log(line: string): void {
  if (process.env.EVM_BENCH_LOG) appendFileSync(process.env.EVM_BENCH_LOG, `${line}\n`);
  else process.stderr.write(`${line}\n`);
}

function since(t0: number): string {
  return (performance.now() - t0).toFixed(1);
}

function erc20Transfer(to: Uint8Array, value: bigint): Uint8Array {
  return concatBytes(TRANSFER, new Uint8Array(12), to, word(value));
}

async function setup() {
  const executor = newExecutor();
  const state = new MerkleStateManager({
    trie: new MerklePatriciaTrie({ useKeyHashing: true, common: executor.common }),
    common: executor.common,
    caches: new Caches(),
  });
  if (process.env.EVM_PATCH_STORAGE) {
    const { RLP } = await import("@ethereumjs/rlp");
    const { unpadBytes } = await import("@ethereumjs/util");
    const caches = (state as unknown as { _caches: Caches })._caches;
    state.putStorage = async (address, key, value) => {
      caches.storage?.put(address, key, RLP.encode(unpadBytes(value)));
    };
  }
  for (const a of ADDRS) await state.putAccount(new Address(a), new Account(0n, 10n ** 24n));
  for (const k of SENDERS) await state.putAccount(new Address(privateKeyToAddress(k)), new Account(0n, 10n ** 24n));
  const deploy = dynamicTx(KEYS[0], {
    nonce: 0n,
    to: null,
    data: concatBytes(compileToken().bytecode, word(10n ** 30n)),
    gasLimit: 2_000_000n,
  });
  const res = await executor.executeTransactions({ state, env: env(), txs: [deploy], mode: "import" });
  const token = res.receipts[0].contractAddress as Uint8Array;
  const seed = SENDERS.map((k, i) =>
    dynamicTx(KEYS[0], {
      nonce: BigInt(i + 1),
      to: token,
      data: erc20Transfer(privateKeyToAddress(k), 10n ** 20n),
      gasLimit: 100_000n,
    }),
  );
  await executor.executeTransactions({ state, env: env(), txs: seed, mode: "import" });
  return { executor, state, token };
}

function makeTxs(nonces: bigint[], build: (key: Uint8Array, nonce: bigint) => Transaction): Transaction[] {
  const txs: Transaction[] = [];
  for (let i = 0; i < N; i++) {
    const s = i % SENDER_COUNT;
    txs.push(build(SENDERS[s], nonces[s]++));
  }
  return txs;
}

function profiler(): { stop(): Promise<void> } {
  const file = process.env.EVM_PROFILE;
  if (!file) return { stop: async () => {} };
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.start");
  return {
    stop: () =>
      new Promise((resolve, reject) =>
        session.post("Profiler.stop", (err, res) => {
          if (err) return reject(err);
          writeFileSync(file, JSON.stringify(res.profile));
          resolve();
        }),
      ),
  };
}

describe("block execution", () => {
  bench(
    "1000 transfers + 1000 ERC-20 transfers",
    async () => {
      const { executor, state, token } = await setup();
      const nonces = SENDERS.map(() => 0n);
      let erc: Transaction[] = [];
      const prof = profiler();
      for (let round = 0; round < 3; round++) {
        const values = makeTxs(nonces, (k, n) => dynamicTx(k, { nonce: n, to: ADDRS[1], value: 1n }));
        erc = makeTxs(nonces, (k, n) =>
          dynamicTx(k, { nonce: n, to: token, data: erc20Transfer(ADDRS[2], 1n), gasLimit: 100_000n }),
        );
        let t0 = performance.now();
        const a = await executor.executeTransactions({ state, env: env(), txs: values, mode: "import" });
        log(`round ${round}: ${a.included.length} value transfers in ${since(t0)} ms`);
        t0 = performance.now();
        const b = await executor.executeTransactions({ state, env: env(), txs: erc, mode: "import" });
        const ok = b.receipts.filter((r) => r.status === 1).length;
        log(`round ${round}: ${ok} ERC-20 transfers in ${since(t0)} ms`);
        t0 = performance.now();
        const root = await state.getStateRoot();
        log(`round ${round}: state root ${Buffer.from(root).toString("hex").slice(0, 16)}… in ${since(t0)} ms`);
      }
      await prof.stop();
      let t0 = performance.now();
      for (const tx of erc) createTxFromRLP(tx.raw, { common: executor.common, freeze: false, params: {} });
      log(`createTxFromRLP x${N}: ${since(t0)} ms`);
      t0 = performance.now();
      for (let i = 0; i < N; i++) toEthBlock(env(), executor.common);
      log(`toEthBlock x${N}: ${since(t0)} ms`);
      t0 = performance.now();
      for (let i = 0; i < 20; i++) await createBoundVm(executor.common, state);
      log(`createBoundVm x20: ${since(t0)} ms`);
    },
    { iterations: 1, warmupIterations: 0, time: 1, warmupTime: 0 },
  );
});

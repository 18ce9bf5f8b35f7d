import { bytesToHex, concatBytes, nullLogger, seededRandom } from "@knode/common";
import { keccak256, privateKeyToAddress, sign } from "@knode/crypto";
import type { BlockState } from "@knode/state";
import { type AccessList, intrinsicGas, signTransaction, type Transaction, TxType } from "@knode/types";
import { describe, expect, it } from "vitest";
import { BlockExecutor, type BlockExecutorOptions, type ExecuteResult } from "../src/index.js";
import { BASE_FEE, CHAIN_ID, env, fundedState, ONE_KLAY, privateKey, word } from "./helpers.js";
import { abiCall, compileLab } from "./labContract.js";
import { runTxReference } from "./runTxReference.js";

const SENDER_KEYS = Array.from({ length: 5 }, (_, i) => privateKey(300 + i));
const COINBASE_KEY = privateKey(399);
/** The coinbase is also a sender (paying itself the tip) and a recipient. */
const ALL_KEYS = [...SENDER_KEYS, COINBASE_KEY];
const ADDRS = ALL_KEYS.map(privateKeyToAddress);
const COINBASE = ADDRS[ADDRS.length - 1];
const GWEI = 1_000_000_000n;

type Variant = Pick<BlockExecutorOptions, "jumpAnalysisCache" | "fastInterpreterLoop"> & { stockRunTx?: boolean };
/** The first is the reference: stock runTx on ethereumjs's own interpreter loop. */
const VARIANTS: Variant[] = [
  { stockRunTx: true, jumpAnalysisCache: false, fastInterpreterLoop: false },
  { jumpAnalysisCache: false, fastInterpreterLoop: false },
  { jumpAnalysisCache: true, fastInterpreterLoop: false },
  { jumpAnalysisCache: true, fastInterpreterLoop: true },
];

function executor({ stockRunTx, ...opts }: Variant): BlockExecutor {
  // Fast path off: every tx, plain transfers included, goes through the runner under test.
  return new BlockExecutor(
    { chainId: CHAIN_ID, valueTransferFastPath: false, ...opts },
    { logger: nullLogger(), txRunner: stockRunTx ? runTxReference(CHAIN_ID) : undefined },
  );
}

function blockEnv(n: number) {
  return env({
    number: 7n + BigInt(n),
    timestamp: 1_700_000_000n + BigInt(n),
    coinbase: COINBASE,
    getBlockHash: async (k: bigint) => keccak256(word(k)),
  });
}

interface World {
  lab: Uint8Array;
  lab2: Uint8Array;
  child: Uint8Array;
  childInit: Uint8Array;
  strangers: Uint8Array[];
}

function randomBytes(r: () => number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

/** A mapping slot of Lab.slots (slot 0): keccak(key . 0). */
function labSlot(k: bigint): Uint8Array {
  return keccak256(concatBytes(word(k), word(0n)));
}

/** One random call: [to, data, value]. */
function randomCall(r: () => number, w: World): [Uint8Array | null, Uint8Array, bigint] {
  const lab = r() < 0.7 ? w.lab : w.lab2;
  const other = lab === w.lab ? w.lab2 : w.lab;
  const anyone = (): Uint8Array => pick(r, [...ADDRS, ...w.strangers, randomBytes(r, 20), w.lab, w.child]);
  const small = (): bigint => BigInt(Math.floor(r() * 6));
  const value = (): bigint => (r() < 0.5 ? 0n : BigInt(Math.floor(r() * 1e6)) * 10n ** 9n);
  const k = Math.floor(r() * 18);
  switch (k) {
    case 0:
      return [lab, abiCall("set(uint256,uint256)", [small(), r() < 0.4 ? 0n : small() + 1n]), value()];
    case 1:
      return [lab, abiCall("setTwice(uint256,uint256)", [small(), r() < 0.3 ? 0n : small()]), 0n];
    case 2:
      return [lab, abiCall("fail(uint256)", [BigInt(Math.floor(r() * 5))]), 0n];
    case 3: {
      const v = value();
      return [lab, abiCall("deploy(uint256,uint256)", [BigInt(Math.floor(r() * 8)), r() < 0.7 ? 0n : v]), v];
    }
    case 4:
      return [lab, abiCall("deploy2(uint256,bytes32)", [BigInt(Math.floor(r() * 8)), small()]), value()];
    case 5:
      return [lab, abiCall("deployAndKill(address)", [anyone()]), value()];
    case 6:
      return [lab, abiCall("killOld(address,address)", [w.child, anyone()]), 0n];
    case 7: {
      const v = value();
      return [lab, abiCall("sendTo(address,uint256)", [anyone(), r() < 0.8 ? v : v + 1n]), v];
    }
    case 8:
      return [lab, abiCall("nested(address,uint256,uint256)", [other, small(), small()]), 0n];
    case 9:
      return [lab, abiCall("useTransient(uint256)", [small() + 1n]), 0n];
    case 10:
      return [lab, abiCall("logs(uint256,bytes32)", [small(), randomBytes(r, 32)]), 0n];
    case 11: {
      const hash = randomBytes(r, 32);
      const sig = r() < 0.7 ? sign(hash, pick(r, ALL_KEYS)) : randomBytes(r, 65);
      const args = [hash, BigInt(27 + (sig[64] & 1)), sig.subarray(0, 32), sig.subarray(32, 64)];
      return [
        lab,
        abiCall("precompiles(bytes32,uint8,bytes32,bytes32,bytes)", args, randomBytes(r, Number(small()) * 13)),
        0n,
      ];
    }
    case 12:
      return [lab, abiCall("env()", []), value()];
    case 13:
      return [lab, abiCall("burn(uint256)", [BigInt(Math.floor(r() * 12))]), 0n];
    case 16:
      // Clearing many slots earns more refund than the cap (a fifth of the gas used) lets through.
      return [lab, abiCall("clearRange(uint256,uint256)", r() < 0.5 ? [9000n, small() * 2n] : [0n, 6n]), 0n];
    case 14:
      // Direct creation: every constructor outcome (success, revert, invalid, 0xEF, too large, selfdestruct, OOG, refunds).
      return [null, concatBytes(w.childInit, word(BigInt(Math.floor(r() * 8)))), value()];
    case 15:
      return [pick(r, [w.lab, COINBASE, ...ADDRS, ...w.strangers, randomBytes(r, 20)]), new Uint8Array(0), value()];
    default:
      // Calls to accounts without code (EVM path, nothing to run), the coinbase included.
      return [pick(r, [COINBASE, ...w.strangers, randomBytes(r, 20)]), randomBytes(r, Math.floor(r() * 40)), value()];
  }
}

function randomAccessList(r: () => number, w: World): AccessList {
  const list: AccessList = [];
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const address = pick(r, [w.lab, w.lab2, w.child, COINBASE, ...w.strangers, ...ADDRS]);
    const storageKeys = Array.from({ length: Math.floor(r() * 3) }, () =>
      r() < 0.7 ? labSlot(BigInt(Math.floor(r() * 6))) : word(BigInt(Math.floor(r() * 4))),
    );
    list.push({ address, storageKeys });
  }
  return list;
}

function randomTx(r: () => number, w: World, key: Uint8Array, nonce: bigint): Transaction {
  const [to, data, value] = randomCall(r, w);
  const kind = r();
  const type = kind < 0.35 ? TxType.Legacy : kind < 0.65 ? TxType.AccessList : TxType.DynamicFee;
  const accessList = type === TxType.Legacy || r() < 0.3 ? [] : randomAccessList(r, w);
  const floor = intrinsicGas({ to, data, accessList });
  // Mostly ample gas; now and then just enough to start, so execution runs out at a random point.
  const gasLimit = r() < 0.7 ? 3_000_000n : floor + BigInt(Math.floor(r() * 120_000));
  const tip = r() < 0.35 ? 0n : BigInt(Math.floor(r() * 3)) * GWEI + BigInt(Math.floor(r() * 1000));
  const maxFee = type === TxType.DynamicFee ? BASE_FEE + BigInt(Math.floor(r() * 4)) * GWEI : BASE_FEE + tip;
  const maxPriority = type === TxType.DynamicFee ? (tip < maxFee ? tip : maxFee) : maxFee;
  return signTransaction(
    {
      type,
      chainId: CHAIN_ID,
      nonce,
      gasPrice: maxFee,
      maxFeePerGas: maxFee,
      maxPriorityFeePerGas: maxPriority,
      gasLimit,
      to,
      value,
      data,
      accessList,
    },
    key,
  );
}

function createTx(key: Uint8Array, nonce: bigint, data: Uint8Array): Transaction {
  return signTransaction(
    {
      type: TxType.Legacy,
      chainId: CHAIN_ID,
      nonce,
      gasPrice: BASE_FEE,
      maxFeePerGas: BASE_FEE,
      maxPriorityFeePerGas: BASE_FEE,
      gasLimit: 5_000_000n,
      to: null,
      value: 0n,
      data,
      accessList: [],
    },
    key,
  );
}

function summary(res: ExecuteResult) {
  return {
    receipts: res.receipts,
    skipped: res.skipped.map((s) => [bytesToHex(s.tx.hash), s.reason]),
    gasUsed: res.gasUsed,
  };
}

async function runAll(
  executors: BlockExecutor[],
  states: BlockState[],
  n: number,
  txs: Transaction[],
): Promise<ExecuteResult[]> {
  const out: ExecuteResult[] = [];
  for (let i = 0; i < executors.length; i++) {
    out.push(await executors[i].executeTransactions({ state: states[i], env: blockEnv(n), txs, mode: "build" }));
  }
  return out;
}

describe("runTransaction against stock runTx", () => {
  it.each([1, 2, 3, 4])("seed %i: same receipts, skips and state roots on random blocks", async (seed) => {
    const r = seededRandom(seed);
    const { lab, child } = compileLab();
    const executors = VARIANTS.map(executor);
    const states = await Promise.all(VARIANTS.map(() => fundedState(100n * ONE_KLAY, ADDRS)));
    const deployer = SENDER_KEYS[0];
    const setup = [
      createTx(deployer, 0n, lab),
      createTx(deployer, 1n, lab),
      createTx(deployer, 2n, concatBytes(child, word(0n))),
    ];
    const deployed = await runAll(executors, states, 0, setup);
    for (const d of deployed) expect(summary(d)).toEqual(summary(deployed[0]));
    expect(deployed[0].receipts.map((x) => x.status)).toEqual([1, 1, 1]);
    const [labAddr, lab2Addr, childAddr] = deployed[0].receipts.map((x) => x.contractAddress as Uint8Array);
    const w: World = {
      lab: labAddr,
      lab2: lab2Addr,
      child: childAddr,
      childInit: child,
      strangers: Array.from({ length: 3 }, (_, i) => Uint8Array.from({ length: 20 }, (_, j) => 0x70 + i * 3 + j)),
    };
    const seen = { ok: 0, failed: 0, logs: 0, creates: 0 };
    for (let block = 1; block <= 4; block++) {
      const nonces = await Promise.all(ADDRS.map(async (a) => (await states[0].account(a))?.nonce ?? 0n));
      const txs: Transaction[] = [];
      for (let i = 0; i < 40; i++) {
        const s = Math.floor(r() * ALL_KEYS.length);
        txs.push(randomTx(r, w, ALL_KEYS[s], nonces[s]++));
      }
      const results = await runAll(executors, states, block, txs);
      const roots = await Promise.all(states.map(async (s) => bytesToHex(await s.getStateRoot())));
      for (let v = 1; v < VARIANTS.length; v++) {
        const ours = summary(results[v]);
        const ref = summary(results[0]);
        for (let i = 0; i < ref.receipts.length; i++) {
          expect(ours.receipts[i], `variant ${v} block ${block} receipt ${i}`).toEqual(ref.receipts[i]);
        }
        expect(ours).toEqual(ref);
        expect(roots[v], `variant ${v} state root after block ${block}`).toBe(roots[0]);
      }
      for (const rc of results[0].receipts) {
        if (rc.status === 1) seen.ok++;
        else seen.failed++;
        seen.logs += rc.logs.length;
        if (rc.contractAddress !== null) seen.creates++;
      }
    }
    // The random blocks did exercise both outcomes, logs and creations.
    expect(seen.ok).toBeGreaterThan(40);
    expect(seen.failed).toBeGreaterThan(10);
    expect(seen.logs).toBeGreaterThan(5);
    expect(seen.creates).toBeGreaterThan(2);
  });
});

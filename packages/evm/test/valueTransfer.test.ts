import { bytesToHex, concatBytes, nullLogger, seededRandom } from "@knode/common";
import { privateKeyToAddress } from "@knode/crypto";
import type { Transaction } from "@knode/types";
import { describe, expect, it } from "vitest";
import { BlockExecutor } from "../src/index.js";
import {
  BASE_FEE,
  CHAIN_ID,
  COINBASE,
  dynamicTx,
  env,
  fundedState,
  legacyTx,
  MINTING,
  ONE_KLAY,
  privateKey,
  word,
} from "./helpers.js";
import { compileToken } from "./solc.js";

const SENDER_KEYS = Array.from({ length: 6 }, (_, i) => privateKey(100 + i));
const SENDERS = SENDER_KEYS.map(privateKeyToAddress);
/** Recipients that do not exist yet: a zero-value transfer must not create them (EIP-161). */
const STRANGERS = Array.from({ length: 4 }, (_, i) => Uint8Array.from({ length: 20 }, (_, j) => 0x50 + i + j));

function executor(fast: boolean): BlockExecutor {
  return new BlockExecutor(
    { chainId: CHAIN_ID, mintingAmount: MINTING, valueTransferFastPath: fast },
    { logger: nullLogger() },
  );
}

/** A block of random transfers, including ones the fast path must leave to the EVM or skip. */
function randomBlock(r: () => number, nonces: bigint[], token: Uint8Array): Transaction[] {
  const txs: Transaction[] = [];
  for (let i = 0; i < 60; i++) {
    const s = Math.floor(r() * SENDER_KEYS.length);
    const pick = r();
    const to =
      pick < 0.4
        ? SENDERS[Math.floor(r() * SENDERS.length)]
        : pick < 0.7
          ? STRANGERS[Math.floor(r() * 4)]
          : pick < 0.8
            ? COINBASE
            : pick < 0.9
              ? SENDERS[s]
              : token;
    const value = r() < 0.3 ? 0n : BigInt(Math.floor(r() * 1e6)) * 10n ** 12n;
    // Now and then a tx with a stale nonce or an unaffordable value, which both paths must skip.
    const nonce = r() < 0.05 ? nonces[s] + 3n : nonces[s];
    const big = r() < 0.05 ? 10n ** 30n : value;
    const tx =
      r() < 0.5
        ? legacyTx(SENDER_KEYS[s], {
            nonce,
            to,
            value: big,
            gasPrice: BASE_FEE + BigInt(Math.floor(r() * 3)) * 10n ** 9n,
            gasLimit: to === token ? 60_000n : 21_000n + BigInt(Math.floor(r() * 3)) * 1000n,
          })
        : dynamicTx(SENDER_KEYS[s], {
            nonce,
            to,
            value: big,
            tip: r() < 0.3 ? 0n : BigInt(Math.floor(r() * 4e9)),
            maxFee: BASE_FEE + BigInt(Math.floor(r() * 3e9)),
            gasLimit: to === token ? 60_000n : 21_000n,
          });
    txs.push(tx);
    if (nonce === nonces[s] && big === value) nonces[s]++;
  }
  return txs;
}

describe("value-transfer fast path", () => {
  it.each([1, 2, 3])("seed %i: same receipts, skips and state root as the EVM path", async (seed) => {
    const r = seededRandom(seed);
    const deploy = dynamicTx(SENDER_KEYS[0], {
      nonce: 0n,
      to: null,
      data: concatBytes(compileToken().bytecode, word(1000n)),
      gasLimit: 2_000_000n,
    });
    const states = [await fundedState(100n * ONE_KLAY, SENDERS), await fundedState(100n * ONE_KLAY, SENDERS)];
    const executors = [executor(true), executor(false)];
    const deployed = await Promise.all(
      [0, 1].map((i) =>
        executors[i].executeTransactions({ state: states[i], env: env(), txs: [deploy], mode: "build" }),
      ),
    );
    const token = deployed[0].receipts[0].contractAddress as Uint8Array;
    const nonces = SENDERS.map((_, i) => (i === 0 ? 1n : 0n));
    for (let block = 0; block < 3; block++) {
      const txs = randomBlock(r, nonces, token);
      const [fast, slow] = await Promise.all(
        [0, 1].map((i) => executors[i].executeTransactions({ state: states[i], env: env(), txs, mode: "build" })),
      );
      expect(fast.included.length).toBeGreaterThan(30);
      expect(fast.receipts).toEqual(slow.receipts);
      expect(fast.skipped.map((s) => [bytesToHex(s.tx.hash), s.reason])).toEqual(
        slow.skipped.map((s) => [bytesToHex(s.tx.hash), s.reason]),
      );
      expect(fast.gasUsed).toBe(slow.gasUsed);
    }
    const [a, b] = await Promise.all(states.map((s) => s.finalize()));
    expect(bytesToHex(a.root)).toBe(bytesToHex(b.root));
    // Zero-value transfers to strangers and zero tips left no empty accounts behind.
    for (const s of STRANGERS) {
      const acc = await states[0].account(s);
      if (acc !== null) expect(acc.balance).toBeGreaterThan(0n);
    }
  });

  it("a zero-value, zero-tip transfer creates neither the recipient nor the coinbase (EIP-161)", async () => {
    const coinbase = Uint8Array.from({ length: 20 }, (_, i) => 0xe0 + i);
    const stranger = Uint8Array.from({ length: 20 }, (_, i) => 0x90 + i);
    for (const fast of [true, false]) {
      const state = await fundedState(100n * ONE_KLAY, SENDERS);
      const tx = legacyTx(SENDER_KEYS[0], { nonce: 0n, to: stranger, value: 0n, gasPrice: BASE_FEE });
      const res = await executor(fast).executeTransactions({
        state,
        env: env({ coinbase }),
        txs: [tx],
        mode: "import",
      });
      expect(res.receipts[0].status).toBe(1);
      expect(await state.account(stranger)).toBeNull();
      expect(await state.account(coinbase)).toBeNull();
      expect((await state.account(SENDERS[0]))?.nonce).toBe(1n);
    }
  });
});

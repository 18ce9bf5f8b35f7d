import { type Hex, toQuantity } from "@knode/common";
import type { StoredReceipt } from "@knode/types";
import { serverError } from "../errors.js";
import { KAIA_GAS_LIMIT } from "../format/ethFormat.js";
import type { RpcBackend } from "../interface.js";
import { type MethodTable, method } from "../methodTable.js";
import { blockNumberTag, hexOrDecimal, optional, percentiles } from "../validators.js";
import { headerByNumber } from "./logMethods.js";

// geth's maxFeeHistory: a bound on the work one request may cause.
const MAX_FEE_HISTORY = 1024n;

function checkPercentiles(ps: number[]): void {
  for (let i = 0; i < ps.length; i++) {
    if (ps[i] < 0 || ps[i] > 100) throw serverError(`invalid reward percentile: ${ps[i]}`);
    if (i > 0 && ps[i] < ps[i - 1]) {
      throw serverError(`invalid reward percentile: #${i - 1}:${ps[i - 1]} > #${i}:${ps[i]}`);
    }
  }
}

/** Tips at the requested gas-weighted percentiles, as geth's oracle computes them. */
export function rewardPercentiles(receipts: StoredReceipt[], baseFee: bigint, ps: number[]): Hex[] {
  if (receipts.length === 0) return ps.map(() => "0x0");
  const items = receipts
    .map((r) => ({ gas: r.gasUsed, tip: r.effectiveGasPrice > baseFee ? r.effectiveGasPrice - baseFee : 0n }))
    .sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
  let total = 0n;
  for (const it of items) total += it.gas;
  const out: Hex[] = [];
  let i = 0;
  let sum = items[0].gas;
  for (const p of ps) {
    // Scale by 1e6 so fractional percentiles keep their precision in integer math.
    const threshold = (total * BigInt(Math.round(p * 1e6))) / 100_000_000n;
    while (sum < threshold && i < items.length - 1) {
      i++;
      sum += items[i].gas;
    }
    out.push(toQuantity(items[i].tip));
  }
  return out;
}

export function feeHistoryMethods(backend: RpcBackend): MethodTable {
  return {
    feeHistory: method([hexOrDecimal, blockNumberTag, optional(percentiles, [])], async ([count, newestRef, ps]) => {
      checkPercentiles(ps);
      if (count === 0n) return { oldestBlock: "0x0" };
      const head = backend.headNumber();
      if (typeof newestRef === "bigint" && newestRef > head) {
        throw serverError(`request beyond head block: requested ${newestRef}, head ${head}`);
      }
      const newest = (await backend.resolveBlockNumber(newestRef)) ?? head;
      const n = count > MAX_FEE_HISTORY ? MAX_FEE_HISTORY : count;
      const oldest = newest + 1n > n ? newest + 1n - n : 0n;
      const baseFees: Hex[] = [];
      const ratios: number[] = [];
      const rewards: Hex[][] = [];
      let lastBaseFee = 0n;
      for (let b = oldest; b <= newest; b++) {
        const h = await headerByNumber(backend, b);
        if (!h) break;
        lastBaseFee = h.header.baseFee ?? 0n;
        baseFees.push(toQuantity(lastBaseFee));
        ratios.push(Number(h.header.gasUsed) / Number(KAIA_GAS_LIMIT));
        if (ps.length > 0) rewards.push(rewardPercentiles((await backend.getReceipts(h.hash)) ?? [], lastBaseFee, ps));
      }
      // knode's base fee is constant, so the next block's equals the newest one's.
      baseFees.push(toQuantity(lastBaseFee));
      const out: Record<string, unknown> = { oldestBlock: toQuantity(oldest) };
      if (ps.length > 0) out.reward = rewards;
      out.baseFeePerGas = baseFees;
      out.gasUsedRatio = ratios;
      return out;
    }),
  };
}

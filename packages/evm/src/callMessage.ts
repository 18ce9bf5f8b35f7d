import type { CallArgs, Message } from "./message.js";

const ZERO_ADDRESS = new Uint8Array(20);
const EMPTY = new Uint8Array(0);
/** geth's fallback when no gas cap is configured: MaxUint64/2. */
const UNCAPPED_GAS = 2n ** 63n - 1n;

/**
 * Applies geth's eth_call defaults (internal/ethapi CallDefaults + ToMessage): zero-address sender, the gas
 * cap as gas, and a price of 0 unless fee fields are given. Returns a geth error string for fee fields
 * that contradict each other.
 */
export function toCallMessage(args: CallArgs, gasCap: bigint, baseFee: bigint): Message | string {
  if (args.gasPrice !== undefined && (args.maxFeePerGas !== undefined || args.maxPriorityFeePerGas !== undefined)) {
    return "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified";
  }
  let gas = args.gas ?? (gasCap > 0n ? gasCap : UNCAPPED_GAS);
  if (gasCap > 0n && gas > gasCap) gas = gasCap;
  let gasPrice = 0n;
  let feeCap = 0n;
  if (args.gasPrice !== undefined) {
    gasPrice = args.gasPrice;
    feeCap = args.gasPrice;
  } else if (args.maxFeePerGas !== undefined || args.maxPriorityFeePerGas !== undefined) {
    feeCap = args.maxFeePerGas ?? 0n;
    const tip = args.maxPriorityFeePerGas ?? 0n;
    if (tip > feeCap)
      return `max priority fee per gas higher than max fee per gas: maxPriorityFeePerGas: ${tip}, maxFeePerGas: ${feeCap}`;
    gasPrice = feeCap > 0n ? (tip + baseFee < feeCap ? tip + baseFee : feeCap) : 0n;
  }
  return {
    from: args.from ?? ZERO_ADDRESS,
    to: args.to ?? null,
    gas,
    gasPrice,
    feeCap,
    value: args.value ?? 0n,
    data: args.data ?? EMPTY,
    accessList: args.accessList ?? [],
  };
}

/** geth prints its timeout as a Go duration ("5s", "500ms"). */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

import { hexToBytes } from "@knode/common";

/** keccak256 of empty code: the code hash of every account without code. */
export const EMPTY_CODE_HASH = hexToBytes("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");

/** EIP-3529: refunds are capped at a fifth of the gas used. */
export const MAX_REFUND_QUOTIENT = 5n;

/** A plain value transfer's intrinsic gas: the floor of every estimate. */
export const TX_GAS = 21000n;

/** Gas a CALL with value forwards to the callee for free; geth adds it to its optimistic estimate. */
export const CALL_STIPEND = 2300n;

import { bytesToHex, toQuantity } from "@knode/common";
import type { Header, StoredReceipt, Transaction } from "@knode/types";
import { TxType } from "@knode/types";
import type { BlockWithHash } from "../interface.js";
import {
  blockContext,
  formatAccessList,
  formatReceiptLogs,
  hexOrNull,
  type Json,
  type ReceiptContext,
  type TxBlockContext,
  txGasPrice,
  ZERO_HASH,
} from "./common.js";
import type { Formatter } from "./formatter.js";

// keccak(rlp([])): Klaytn has no uncles.
const EMPTY_UNCLES_HASH = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347";
// Kaia's eth namespace reports this fixed block gas limit (params.UpperGasLimit).
export const KAIA_GAS_LIMIT = 999_999_999_999n;

export function ethHeader(h: Header, hash: Uint8Array): Json {
  const out: Json = {
    number: toQuantity(h.number),
    hash: bytesToHex(hash),
    parentHash: bytesToHex(h.parentHash),
    nonce: "0x0000000000000000",
    sha3Uncles: EMPTY_UNCLES_HASH,
    logsBloom: bytesToHex(h.logsBloom),
    transactionsRoot: bytesToHex(h.txRoot),
    stateRoot: bytesToHex(h.stateRoot),
    receiptsRoot: bytesToHex(h.receiptsRoot),
    miner: bytesToHex(h.rewardbase),
    difficulty: "0x1",
    totalDifficulty: toQuantity(h.number + 1n),
    extraData: bytesToHex(h.extraData),
    gasLimit: toQuantity(KAIA_GAS_LIMIT),
    gasUsed: toQuantity(h.gasUsed),
    timestamp: toQuantity(h.timestamp),
    mixHash: h.mixHash ? bytesToHex(h.mixHash) : ZERO_HASH,
  };
  if (h.baseFee !== undefined) out.baseFeePerGas = toQuantity(h.baseFee);
  return out;
}

export function ethTransaction(tx: Transaction, ctx: TxBlockContext | null): Json {
  const out: Json = {
    blockHash: ctx ? bytesToHex(ctx.blockHash) : null,
    blockNumber: ctx ? toQuantity(ctx.blockNumber) : null,
    blockTimestamp: ctx ? toQuantity(ctx.timestamp) : null,
    from: hexOrNull(tx.sender),
    gas: toQuantity(tx.gasLimit),
    gasPrice: toQuantity(txGasPrice(tx, ctx)),
  };
  if (tx.type === TxType.DynamicFee) {
    out.maxFeePerGas = toQuantity(tx.maxFeePerGas);
    out.maxPriorityFeePerGas = toQuantity(tx.maxPriorityFeePerGas);
  }
  out.hash = bytesToHex(tx.hash);
  out.input = bytesToHex(tx.data);
  out.nonce = toQuantity(tx.nonce);
  out.to = hexOrNull(tx.to);
  out.transactionIndex = ctx ? toQuantity(ctx.index) : null;
  out.value = toQuantity(tx.value);
  out.type = toQuantity(tx.type);
  if (tx.type !== TxType.Legacy) out.accessList = formatAccessList(tx);
  if (tx.chainId !== undefined) out.chainId = toQuantity(tx.chainId);
  out.v = toQuantity(tx.v);
  out.r = toQuantity(tx.r);
  out.s = toQuantity(tx.s);
  if (tx.type !== TxType.Legacy) out.yParity = toQuantity(tx.v);
  return out;
}

export function ethReceipt(tx: Transaction, r: StoredReceipt, ctx: ReceiptContext): Json {
  return {
    blockHash: bytesToHex(ctx.blockHash),
    blockNumber: toQuantity(ctx.blockNumber),
    contractAddress: hexOrNull(r.contractAddress),
    cumulativeGasUsed: toQuantity(r.cumulativeGasUsed),
    effectiveGasPrice: toQuantity(r.effectiveGasPrice),
    from: hexOrNull(tx.sender),
    gasUsed: toQuantity(r.gasUsed),
    logs: formatReceiptLogs(tx, r, ctx),
    logsBloom: bytesToHex(r.logsBloom),
    status: toQuantity(r.status),
    to: hexOrNull(tx.to),
    transactionHash: bytesToHex(tx.hash),
    transactionIndex: toQuantity(ctx.index),
    type: toQuantity(r.txType),
  };
}

export function ethBlock(bw: BlockWithHash, fullTx: boolean): Json {
  const { block, hash } = bw;
  const out = ethHeader(block.header, hash);
  out.size = toQuantity(bw.size);
  out.transactions = block.transactions.map((tx, i) =>
    fullTx ? ethTransaction(tx, blockContext(block.header, hash, i)) : bytesToHex(tx.hash),
  );
  out.uncles = [];
  return out;
}

export const ethFormatter: Formatter = {
  flavor: "eth",
  header: ethHeader,
  block: ethBlock,
  transaction: ethTransaction,
  receipt: ethReceipt,
};

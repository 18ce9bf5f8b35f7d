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
} from "./common.js";
import type { Formatter } from "./formatter.js";

/** Klaytn's type names and numbers; Ethereum typed txs live at 0x78xx in Klaytn's numbering. */
const KLAY_TYPES: Record<TxType, { name: string; typeInt: number }> = {
  [TxType.Legacy]: { name: "TxTypeLegacyTransaction", typeInt: 0 },
  [TxType.AccessList]: { name: "TxTypeEthereumAccessList", typeInt: 0x7801 },
  [TxType.DynamicFee]: { name: "TxTypeEthereumDynamicFee", typeInt: 0x7802 },
};

export function klayHeader(h: Header, hash: Uint8Array): Json {
  const out: Json = {
    blockscore: toQuantity(h.blockScore),
    extraData: bytesToHex(h.extraData),
    gasUsed: toQuantity(h.gasUsed),
    governanceData: bytesToHex(h.governanceData),
    hash: bytesToHex(hash),
    logsBloom: bytesToHex(h.logsBloom),
    number: toQuantity(h.number),
    parentHash: bytesToHex(h.parentHash),
    receiptsRoot: bytesToHex(h.receiptsRoot),
    reward: bytesToHex(h.rewardbase),
    stateRoot: bytesToHex(h.stateRoot),
    timestamp: toQuantity(h.timestamp),
    timestampFoS: toQuantity(h.timestampFoS),
    transactionsRoot: bytesToHex(h.txRoot),
    voteData: bytesToHex(h.voteData),
  };
  if (h.baseFee !== undefined) out.baseFeePerGas = toQuantity(h.baseFee);
  if (h.randomReveal) out.randomReveal = bytesToHex(h.randomReveal);
  if (h.mixHash) out.mixHash = bytesToHex(h.mixHash);
  return out;
}

export function klayTransaction(tx: Transaction, ctx: TxBlockContext | null): Json {
  const kt = KLAY_TYPES[tx.type];
  const out: Json = {
    blockHash: ctx ? bytesToHex(ctx.blockHash) : null,
    blockNumber: ctx ? toQuantity(ctx.blockNumber) : null,
    from: hexOrNull(tx.sender),
    gas: toQuantity(tx.gasLimit),
    gasPrice: toQuantity(txGasPrice(tx, ctx)),
    hash: bytesToHex(tx.hash),
    input: bytesToHex(tx.data),
    nonce: toQuantity(tx.nonce),
    // Without fee delegation the sender signs the whole tx, so its hash is the tx hash.
    senderTxHash: bytesToHex(tx.hash),
    signatures: [{ V: toQuantity(tx.v), R: toQuantity(tx.r), S: toQuantity(tx.s) }],
    to: hexOrNull(tx.to),
    transactionIndex: ctx ? toQuantity(ctx.index) : null,
    type: kt.name,
    typeInt: kt.typeInt,
    value: toQuantity(tx.value),
  };
  if (tx.type !== TxType.Legacy) {
    out.accessList = formatAccessList(tx);
    out.chainId = toQuantity(tx.chainId ?? 0n);
  }
  if (tx.type === TxType.DynamicFee) {
    out.maxFeePerGas = toQuantity(tx.maxFeePerGas);
    out.maxPriorityFeePerGas = toQuantity(tx.maxPriorityFeePerGas);
  }
  return out;
}

/** Klaytn's receipt carries the whole transaction plus the execution outcome. */
export function klayReceipt(tx: Transaction, r: StoredReceipt, ctx: ReceiptContext): Json {
  const { hash: _hash, ...out } = klayTransaction(tx, ctx);
  out.contractAddress = hexOrNull(r.contractAddress);
  out.effectiveGasPrice = toQuantity(r.effectiveGasPrice);
  out.gasUsed = toQuantity(r.gasUsed);
  out.logs = formatReceiptLogs(tx, r, ctx);
  out.logsBloom = bytesToHex(r.logsBloom);
  out.status = toQuantity(r.status);
  out.transactionHash = bytesToHex(tx.hash);
  return out;
}

export function klayBlock(bw: BlockWithHash, fullTx: boolean): Json {
  const { block, hash } = bw;
  const out = klayHeader(block.header, hash);
  out.size = toQuantity(bw.size);
  // Every Klaytn block has blockScore 1, so the total is the block count.
  out.totalBlockScore = toQuantity(block.header.number + 1n);
  out.transactions = block.transactions.map((tx, i) =>
    fullTx ? klayTransaction(tx, blockContext(block.header, hash, i)) : bytesToHex(tx.hash),
  );
  return out;
}

export const klayFormatter: Formatter = {
  flavor: "klay",
  header: klayHeader,
  block: klayBlock,
  transaction: klayTransaction,
  receipt: klayReceipt,
};

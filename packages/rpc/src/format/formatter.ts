import type { Header, StoredReceipt, Transaction } from "@knode/types";
import type { BlockWithHash } from "../interface.js";
import type { Json, ReceiptContext, TxBlockContext } from "./common.js";

/** How one namespace renders chain objects: `eth_` like geth (Kaia style), `klay_` like Klaytn. */
export interface Formatter {
  readonly flavor: "eth" | "klay";
  header(header: Header, hash: Uint8Array): Json;
  block(bw: BlockWithHash, fullTx: boolean): Json;
  transaction(tx: Transaction, ctx: TxBlockContext | null): Json;
  receipt(tx: Transaction, receipt: StoredReceipt, ctx: ReceiptContext): Json;
}

import { TypesError, TypesErrorCode, withTypesCode } from "./errors.js";
import { decodeHeader, encodeHeader } from "./header.js";
import { type Block, type Header, type Transaction, TxType } from "./model.js";
import { rlpEncode, rlpEncodeEncodedList, rlpSplitList, rlpStringPayload } from "./rlp.js";
import { decodeTransaction } from "./transaction.js";

function invalidBlock(message: string, field?: string): TypesError {
  return new TypesError({ code: TypesErrorCode.INVALID_BLOCK, field }, `invalid block: ${message}`);
}

/** rlp([tx...]) where a legacy tx is its own RLP list and a typed tx is a byte string (EIP-2718). */
export function encodeBlockBody(txs: Transaction[]): Uint8Array {
  return rlpEncodeEncodedList(txs.map((tx) => (tx.type === TxType.Legacy ? tx.raw : rlpEncode(tx.raw))));
}

function decodeBodyItems(items: Uint8Array[]): Transaction[] {
  return items.map((item, i) => {
    // Copies, so that a transaction kept in a cache does not pin the whole block buffer.
    if (item[0] >= 0xc0) return decodeTransaction(new Uint8Array(item));
    const payload = rlpStringPayload(item);
    // A typed envelope starts with its type byte; anything else here would be a second encoding of a tx.
    if (payload.length === 0 || payload[0] >= 0x80)
      throw invalidBlock(`transaction ${i} is neither a list nor a typed envelope`, "transactions");
    return decodeTransaction(new Uint8Array(payload));
  });
}

export function decodeBlockBody(bytes: Uint8Array): Transaction[] {
  return withTypesCode(TypesErrorCode.INVALID_BLOCK, "block body", () => decodeBodyItems(rlpSplitList(bytes)));
}

export function encodeBlock(b: Block): Uint8Array {
  return rlpEncodeEncodedList([encodeHeader(b.header), encodeBlockBody(b.transactions)]);
}

export function decodeBlock(bytes: Uint8Array): Block {
  return withTypesCode(TypesErrorCode.INVALID_BLOCK, "block", () => {
    const { header, bodyBytes } = splitBlock(bytes);
    return { header, transactions: decodeBodyItems(rlpSplitList(bodyBytes)) };
  });
}

/**
 * A block's header, decoded, and its body still encoded (decodeBlockBody reads it). Lets a receiver drop
 * a block it already holds, judging by the header, without decoding and hashing every transaction.
 */
export function decodeBlockHeader(bytes: Uint8Array): { header: Header; bodyBytes: Uint8Array } {
  return withTypesCode(TypesErrorCode.INVALID_BLOCK, "block", () => splitBlock(bytes));
}

function splitBlock(bytes: Uint8Array): { header: Header; bodyBytes: Uint8Array } {
  const items = rlpSplitList(bytes);
  if (items.length !== 2) throw invalidBlock(`expected [header, transactions], got ${items.length} items`);
  return { header: decodeHeader(items[0]), bodyBytes: items[1] };
}

import { concatBytes } from "@knode/common";
import { logsBloom } from "./bloom.js";
import { TypesError, TypesErrorCode, withTypesCode } from "./errors.js";
import { type Log, type Receipt, type StoredReceipt, TxType } from "./model.js";
import {
  type RlpInput,
  type RlpValue,
  rlpAddress,
  rlpBigInt,
  rlpBytes,
  rlpDecode,
  rlpEncode,
  rlpFixedBytes,
  rlpList,
  rlpNumber,
  rlpOptionalAddress,
} from "./rlp.js";

const EMPTY = new Uint8Array(0);
/** Post-Byzantium status encoding: failure is the empty string, success the single byte 0x01. */
const STATUS_SUCCESS = Uint8Array.of(1);

function encodeLogs(logs: Log[]): RlpInput {
  return logs.map((l) => [l.address, l.topics, l.data]);
}

function decodeLogs(v: RlpValue | undefined, name: string): Log[] {
  return rlpList(v, name).map((item, i) => {
    const f = rlpList(item, `${name}[${i}]`);
    if (f.length !== 3) throw invalidReceipt(`${name}[${i}] must be [address, topics, data]`);
    return {
      address: rlpAddress(f[0], `${name}[${i}].address`),
      topics: rlpList(f[1], `${name}[${i}].topics`).map((t, j) => rlpFixedBytes(t, `${name}[${i}].topics[${j}]`, 32)),
      data: rlpBytes(f[2], `${name}[${i}].data`),
    };
  });
}

function invalidReceipt(message: string, field?: string): TypesError {
  return new TypesError({ code: TypesErrorCode.INVALID_RECEIPT, field }, `invalid receipt: ${message}`);
}

function decodeStatus(v: RlpValue | undefined): 0 | 1 {
  const b = rlpBytes(v, "status");
  if (b.length === 0) return 0;
  if (b.length === 1 && b[0] === 1) return 1;
  throw invalidReceipt("status must be empty or 0x01", "status");
}

/** Consensus encoding, the leaf of receiptsRoot: typed receipts carry their type byte in front. */
export function encodeReceipt(r: Receipt): Uint8Array {
  const body = rlpEncode([
    r.status === 1 ? STATUS_SUCCESS : EMPTY,
    r.cumulativeGasUsed,
    r.logsBloom,
    encodeLogs(r.logs),
  ]);
  return r.txType === TxType.Legacy ? body : concatBytes(Uint8Array.of(r.txType), body);
}

/**
 * Storage encoding of a block's receipts: rlp([[type, status, cumulativeGasUsed, logs, gasUsed,
 * effectiveGasPrice, contractAddress], ...]). The bloom is recomputed from the logs on decode, as geth
 * does, rather than spending 256 bytes per receipt on disk.
 */
export function encodeStoredReceipts(rs: StoredReceipt[]): Uint8Array {
  return rlpEncode(
    rs.map((r) => [
      r.txType,
      r.status === 1 ? STATUS_SUCCESS : EMPTY,
      r.cumulativeGasUsed,
      encodeLogs(r.logs),
      r.gasUsed,
      r.effectiveGasPrice,
      r.contractAddress ?? EMPTY,
    ]),
  );
}

function decodeTxType(v: RlpValue | undefined): TxType {
  const t = rlpNumber(v, "txType");
  if (t !== TxType.Legacy && t !== TxType.AccessList && t !== TxType.DynamicFee) {
    throw invalidReceipt(`unknown tx type ${t}`, "txType");
  }
  return t;
}

export function decodeStoredReceipts(bytes: Uint8Array): StoredReceipt[] {
  return withTypesCode(TypesErrorCode.INVALID_RECEIPT, "stored receipts", () =>
    rlpList(rlpDecode(bytes), "receipts").map((item, i) => {
      const f = rlpList(item, `receipts[${i}]`);
      if (f.length !== 7) throw invalidReceipt(`receipts[${i}] has ${f.length} fields, expected 7`);
      const logs = decodeLogs(f[3], "logs");
      const contract = rlpOptionalAddress(f[6], "contractAddress");
      return {
        txType: decodeTxType(f[0]),
        status: decodeStatus(f[1]),
        cumulativeGasUsed: rlpBigInt(f[2], "cumulativeGasUsed", 8),
        logsBloom: logsBloom(logs),
        logs,
        gasUsed: rlpBigInt(f[4], "gasUsed", 8),
        effectiveGasPrice: rlpBigInt(f[5], "effectiveGasPrice"),
        contractAddress: contract,
      };
    }),
  );
}

import type { Log, StoredReceipt, Transaction } from "@knode/types";
import { TxType } from "@knode/types";
import { keccak256 } from "../src/keccak.js";
import { BASE_FEE, CONTRACT, FakeBackend, makeTx, receiptFor, word } from "./fakeBackend.js";

export const TOPIC_A = keccak256(new TextEncoder().encode("Transfer(address,address,uint256)"));
export const TOPIC_B = keccak256(new TextEncoder().encode("Approval(address,address,uint256)"));
export const CREATED = new Uint8Array(20).fill(0xdd);

export interface TestChain {
  backend: FakeBackend;
  legacy: Transaction;
  dynamic: Transaction;
  create: Transaction;
  pending: Transaction;
  receipts: StoredReceipt[][];
  logs: { a1: Log; a2: Log; b1: Log };
}

/**
 * Genesis, then block 1 (legacy transfer + dynamic-fee call with two logs), block 2 (access-list
 * contract creation with one log), block 3 empty; one dynamic-fee tx waits in the pool.
 */
export function buildTestChain(): TestChain {
  const backend = new FakeBackend();
  const legacy = makeTx({ nonce: 0n });
  const dynamic = makeTx({
    type: TxType.DynamicFee,
    nonce: 1n,
    to: CONTRACT,
    data: Uint8Array.of(0xa9, 0x05, 0x9c, 0xbb),
    gasLimit: 60000n,
    maxPriorityFeePerGas: 3n,
    maxFeePerGas: BASE_FEE * 2n,
    gasPrice: BASE_FEE * 2n,
  });
  const create = makeTx({
    type: TxType.AccessList,
    nonce: 2n,
    to: null,
    data: Uint8Array.of(0x60, 0x80),
    gasLimit: 200000n,
    accessList: [{ address: CONTRACT, storageKeys: [word(1)] }],
  });
  const a1: Log = { address: CONTRACT, topics: [TOPIC_A, word(1)], data: Uint8Array.of(1) };
  const a2: Log = { address: CONTRACT, topics: [TOPIC_A, word(2)], data: Uint8Array.of(2) };
  const b1: Log = { address: CREATED, topics: [TOPIC_B], data: new Uint8Array() };
  const r1 = [receiptFor(legacy, [], 21000n), receiptFor(dynamic, [a1, a2], 71000n, { gasUsed: 50000n })];
  backend.addBlock([legacy, dynamic], r1);
  const r2 = [receiptFor(create, [b1], 120000n, { gasUsed: 120000n, contractAddress: CREATED, status: 1 })];
  backend.addBlock([create], r2);
  backend.addBlock([], []);
  const pending = makeTx({ type: TxType.DynamicFee, nonce: 3n, maxPriorityFeePerGas: 1n });
  backend.pool.set(`0x${Buffer.from(pending.hash).toString("hex")}`, pending);
  backend.accounts.set(`0x${"aa".repeat(20)}`, {
    nonce: 3n,
    balance: 10n ** 18n,
    codeHash: new Uint8Array(32),
    storageRoot: new Uint8Array(32),
  });
  return { backend, legacy, dynamic, create, pending, receipts: [[], r1, r2, []], logs: { a1, a2, b1 } };
}

import { bytesToHex, isKnodeError } from "@knode/common";
import type { ConsensusChain, Proposal } from "@knode/consensus";
import {
  MainThreadSigVerifier,
  privateKeyToAddress,
  randomPrivateKey,
  type SignatureJob,
  type SigVerifier,
} from "@knode/crypto";
import type { Block } from "@knode/types";
import { describe, expect, it } from "vitest";
import { NodeErrorCode } from "../src/errors.js";
import { recoverBlockSenders, withSenderRecovery } from "../src/recoverBlockSenders.js";
import { unrecoverable, wireTx } from "./txHelpers.js";

class CountingVerifier implements SigVerifier {
  readonly inner = new MainThreadSigVerifier();
  readonly calls: SignatureJob[][] = [];

  recoverAddresses(jobs: SignatureJob[]): Promise<(Uint8Array | null)[]> {
    this.calls.push(jobs);
    return this.inner.recoverAddresses(jobs);
  }

  canAcceptWork(): boolean {
    return true;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

const keys = [randomPrivateKey(), randomPrivateKey(), randomPrivateKey()];

const hex = (b: Uint8Array | undefined) => (b ? bytesToHex(b) : undefined);

describe("recoverBlockSenders", () => {
  it("recovers every unknown sender in one verifier call and sets tx.sender", async () => {
    const txs = keys.flatMap((k, i) => [wireTx(0n, k), wireTx(BigInt(i + 1), k)]);
    const v = new CountingVerifier();
    const res = await recoverBlockSenders(txs, v);
    expect(res).toEqual({ recovered: 6, reused: 0 });
    expect(v.calls.map((c) => c.length)).toEqual([6]);
    expect(txs.map((t) => hex(t.sender))).toEqual(
      keys.flatMap((k) => [hex(privateKeyToAddress(k)), hex(privateKeyToAddress(k))]),
    );
  });

  it("reuses senders already on the tx or known by hash (the pool's) and recovers only the rest", async () => {
    const pooled = wireTx(0n, keys[0]);
    const pooledSender = privateKeyToAddress(keys[0]);
    const alreadySet = wireTx(0n, keys[1]);
    const presetSender = privateKeyToAddress(keys[1]);
    alreadySet.sender = presetSender;
    const fresh = wireTx(0n, keys[2]);
    const known = new Map([[hex(pooled.hash), pooledSender]]);
    const lookups: string[] = [];
    const v = new CountingVerifier();
    const res = await recoverBlockSenders([pooled, alreadySet, fresh], v, (h) => {
      lookups.push(bytesToHex(h));
      return known.get(bytesToHex(h));
    });
    expect(res).toEqual({ recovered: 1, reused: 1 });
    expect(pooled.sender).toBe(pooledSender);
    expect(alreadySet.sender).toBe(presetSender);
    expect(hex(fresh.sender)).toBe(hex(privateKeyToAddress(keys[2])));
    // The tx that already had a sender is not even looked up.
    expect(lookups).toEqual([hex(pooled.hash), hex(fresh.hash)]);
    expect(v.calls.map((c) => c.length)).toEqual([1]);
  });

  it("makes no verifier call when every sender is known", async () => {
    const txs = [wireTx(0n, keys[0]), wireTx(0n, keys[1])];
    const v = new CountingVerifier();
    expect(await recoverBlockSenders(txs, v, () => privateKeyToAddress(keys[2]))).toEqual({ recovered: 0, reused: 2 });
    expect(await recoverBlockSenders([], v)).toEqual({ recovered: 0, reused: 0 });
    expect(v.calls).toEqual([]);
  });

  it("rejects the block with NODE_BAD_TX_SIGNATURE naming the first bad tx, still in one call", async () => {
    const good = wireTx(0n, keys[0]);
    const bad = await unrecoverable(wireTx(0n, keys[1]));
    const v = new CountingVerifier();
    const err = await recoverBlockSenders([good, bad, wireTx(0n, keys[2])], v).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKnodeError(err, NodeErrorCode.BAD_TX_SIGNATURE)).toBe(true);
    expect(err).toMatchObject({ type: { index: 1, hash: bytesToHex(bad.hash) } });
    expect(String((err as Error).message)).toContain("invalid signature");
    expect(v.calls.map((c) => c.length)).toEqual([3]);
  });

  it("runs before verifyProposal in the consensus chain view, and a bad block never reaches it", async () => {
    const verified: Block[] = [];
    const chain: ConsensusChain<Proposal> = {
      head: () => {
        throw new Error("unused");
      },
      buildProposal: () => Promise.reject(new Error("unused")),
      commitProposal: () => Promise.resolve(),
      onNewHead: () => () => undefined,
      async verifyProposal(block) {
        // The executor would otherwise recover on the main thread: every sender must be set by now.
        expect(block.transactions.every((t) => t.sender !== undefined)).toBe(true);
        verified.push(block);
        return { header: block.header, transactions: block.transactions };
      },
    };
    const v = new CountingVerifier();
    const wrapped = withSenderRecovery(chain, (txs) => recoverBlockSenders(txs, v));
    const header = {} as Block["header"];
    const txs = [wireTx(0n, keys[0]), wireTx(0n, keys[1])];
    await wrapped.verifyProposal?.({ header, transactions: txs });
    expect(verified).toHaveLength(1);
    expect(v.calls.map((c) => c.length)).toEqual([2]);

    const bad = await unrecoverable(wireTx(0n, keys[2]));
    await expect(wrapped.verifyProposal?.({ header, transactions: [bad] })).rejects.toSatisfy((e: unknown) =>
      isKnodeError(e, NodeErrorCode.BAD_TX_SIGNATURE),
    );
    expect(verified).toHaveLength(1);

    const { verifyProposal: _, ...buildOnly } = chain;
    expect(withSenderRecovery(buildOnly, () => Promise.resolve()).verifyProposal).toBeUndefined();
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { equalBytes, isKnodeError, nullLogger } from "@knode/common";
import { privateKeyToAddress } from "@knode/crypto";
import { LevelKvStore, MemoryKvStore } from "@knode/db";
import { BlockExecutor } from "@knode/evm";
import { type GenesisSpec, genesisExtraData, type Header, signTransaction } from "@knode/types";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Chain, ChainErrorCode } from "../src/index.js";

const alice = new Uint8Array(32).fill(7);
const bob = privateKeyToAddress(new Uint8Array(32).fill(8));
const validator = privateKeyToAddress(new Uint8Array(32).fill(9));
const CHAIN_ID = 1000n;
const UNIT_PRICE = 25_000_000_000n;

function genesis(): GenesisSpec {
  return {
    config: {
      chainId: CHAIN_ID,
      istanbul: { epoch: 604800n, policy: 0, sub: 21 },
      governance: {
        governanceMode: "single",
        governingNode: "0x00",
        reward: { mintingAmount: 10n ** 18n, ratio: "100/0/0" },
      },
      unitPrice: UNIT_PRICE,
      blockPeriod: 1,
    },
    timestamp: 1000n,
    extraData: genesisExtraData([validator]),
    governanceData: new Uint8Array(0),
    blockScore: 1n,
    alloc: new Map([[`0x${Buffer.from(privateKeyToAddress(alice)).toString("hex")}`, { balance: 10n ** 24n }]]),
  };
}

function transfer(nonce: bigint, value: bigint) {
  return signTransaction(
    {
      type: 2,
      chainId: CHAIN_ID,
      nonce,
      gasPrice: 2n * UNIT_PRICE,
      maxFeePerGas: 2n * UNIT_PRICE,
      maxPriorityFeePerGas: 1n,
      gasLimit: 21_000n,
      to: bob,
      value,
      data: new Uint8Array(0),
      accessList: [],
    },
    alice,
  );
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function openChain(kv: LevelKvStore | MemoryKvStore) {
  const executor = new BlockExecutor({ chainId: CHAIN_ID, mintingAmount: 10n ** 18n }, { logger: nullLogger() });
  return Chain.open({ kv, logger: nullLogger(), executor });
}

function proposalOnHead(chain: Chain, txs: ReturnType<typeof transfer>[]) {
  const head = chain.head();
  return chain.buildProposal({
    parentHash: head.hash,
    timestamp: head.header.timestamp + 1n,
    timestampFoS: 0,
    rewardbase: validator,
    extraData: head.header.extraData,
    voteData: new Uint8Array(0),
    governanceData: new Uint8Array(0),
    txs,
    deadlineMs: Date.now() + 10_000,
  });
}

async function buildOn(chain: Chain, txs: ReturnType<typeof transfer>[]) {
  const proposal = await proposalOnHead(chain, txs);
  await chain.commitProposal(proposal, proposal.header);
  return proposal;
}

describe("Chain", () => {
  it("writes genesis once and refuses another genesis", async () => {
    const kv = new MemoryKvStore();
    const first = await Chain.initGenesis(kv, genesis());
    expect(first.created).toBe(true);
    expect((await Chain.initGenesis(kv, genesis())).created).toBe(false);
    const other = { ...genesis(), timestamp: 2000n };
    await expect(Chain.initGenesis(kv, other)).rejects.toSatisfy((e: unknown) =>
      isKnodeError(e, ChainErrorCode.GENESIS_MISMATCH),
    );
  });

  it("builds, commits and reopens blocks from LevelDB with state, receipts and lookups", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "knode-chain-"));
    dirs.push(dir);
    let kv = await LevelKvStore.open(dir);
    await Chain.initGenesis(kv, genesis());
    let chain = await openChain(kv);
    const b1 = await buildOn(chain, [transfer(0n, 5n), transfer(1n, 6n), transfer(5n, 1n)]);
    expect(b1.transactions).toHaveLength(2); // the nonce-gap tx is skipped in build mode
    expect(b1.skipped).toHaveLength(1);
    await buildOn(chain, [transfer(2n, 7n)]);
    const head = chain.head();
    await kv.close();

    kv = await LevelKvStore.open(dir);
    chain = await openChain(kv);
    expect(chain.headNumber).toBe(2n);
    expect(equalBytes(chain.head().hash, head.hash)).toBe(true);
    const state = await chain.readStateAt(chain.head().header.stateRoot);
    expect((await state.getAccount(bob)).balance).toBe(18n);
    expect((await state.getAccount(privateKeyToAddress(alice))).nonce).toBe(3n);
    const loc = await chain.getTxLocation(b1.transactions[1].hash);
    expect(loc?.blockNumber).toBe(1n);
    expect(loc?.index).toBe(1);
    const receipts = await chain.getReceipts(loc?.blockHash ?? new Uint8Array());
    expect(receipts?.map((r) => r.status)).toEqual([1, 1]);
    expect(receipts?.[1].cumulativeGasUsed).toBe(42_000n);
    await kv.close();
  });

  it("imports another node's blocks by re-execution and refuses a tampered one", async () => {
    const source = new MemoryKvStore();
    await Chain.initGenesis(source, genesis());
    const a = await openChain(source);
    const built = await buildOn(a, [transfer(0n, 5n)]);
    const block = { header: built.header, transactions: built.transactions };

    const target = new MemoryKvStore();
    await Chain.initGenesis(target, genesis());
    const b = await openChain(target);
    const noVerify = () => undefined;

    const tampered: Header = { ...block.header, stateRoot: new Uint8Array(32).fill(1) };
    await expect(b.importBlock({ header: tampered, transactions: block.transactions }, noVerify)).rejects.toSatisfy(
      (e: unknown) => isKnodeError(e, ChainErrorCode.STATE_ROOT_MISMATCH),
    );
    expect(b.headNumber).toBe(0n);
    await b.importBlock(block, noVerify);
    expect(equalBytes(b.head().hash, a.head().hash)).toBe(true);
    expect(equalBytes(b.head().header.stateRoot, a.head().header.stateRoot)).toBe(true);
  });

  it("serves head accounts from the warm state after blocks, and from the trie after a rival build or reopen", async () => {
    const kv = new MemoryKvStore();
    await Chain.initGenesis(kv, genesis());
    const chain = await openChain(kv);
    const sender = privateKeyToAddress(alice);
    expect((await chain.headAccount(sender)).balance).toBe(10n ** 24n); // nothing executed yet: trie path
    const built = await buildOn(chain, [transfer(0n, 5n)]);
    // Recent blocks are served decoded from memory, the same as from the store after a reopen.
    const hash = chain.head().hash;
    const fromDisk = await openChain(kv);
    expect(await chain.getBlock(hash)).toEqual(await fromDisk.getBlock(hash));
    expect(await chain.getReceipts(hash)).toEqual(await fromDisk.getReceipts(hash));
    expect((await chain.getReceipts(hash))?.[0].gasUsed).toBe(21_000n);
    expect((await chain.getBlock(hash))?.transactions[0].sender).toEqual(sender);
    expect(built.transactions).toHaveLength(1);
    // A rival proposal on the same parent that is never committed must not leak into head reads.
    await proposalOnHead(chain, [transfer(1n, 100n)]);
    expect(await chain.headAccount(bob)).toEqual({ nonce: 0n, balance: 5n });
    expect((await chain.headAccount(sender)).nonce).toBe(1n);
    const reopened = await openChain(kv);
    expect(await reopened.headAccount(bob)).toEqual({ nonce: 0n, balance: 5n });
  });

  it("has the warm state at the new head before new-block listeners run (no trie reads from them)", async () => {
    const kv = new MemoryKvStore();
    await Chain.initGenesis(kv, genesis());
    const chain = await openChain(kv);
    await buildOn(chain, [transfer(0n, 5n)]);
    const trieReads = vi.spyOn(chain, "readStateAt");
    const seen: { nonce: bigint; balance: bigint }[] = [];
    const reads: Promise<void>[] = [];
    chain.onNewBlock(() => {
      reads.push(chain.headAccount(bob).then((a) => void seen.push(a)));
    });
    await buildOn(chain, [transfer(1n, 7n)]);
    await Promise.all(reads);
    expect(seen).toEqual([{ nonce: 0n, balance: 12n }]);
    expect(trieReads).not.toHaveBeenCalled();
  });
});

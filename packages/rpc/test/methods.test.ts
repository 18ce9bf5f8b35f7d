import { bytesToHex, toQuantity } from "@knode/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecutionRevertedError } from "../src/errors.js";
import { keccak256 } from "../src/keccak.js";
import { buildTestChain, CREATED, type TestChain, TOPIC_A, TOPIC_B } from "./chain.js";
import { BASE_FEE, CONTRACT, REWARDBASE, SENDER, word } from "./fakeBackend.js";
import { type Harness, startServer } from "./harness.js";

let h: Harness;
let c: TestChain;
const hex = bytesToHex;
const ADDR = hex(SENDER);

beforeAll(async () => {
  c = buildTestChain();
  h = await startServer({ modules: ["eth", "klay", "net", "web3", "txpool"] }, c.backend);
});

afterAll(() => h.server.close());

async function result(method: string, params: unknown[] = []): Promise<unknown> {
  const reply = await h.rpc(method, params);
  if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
  return reply.result;
}

type Obj = Record<string, unknown>;

describe("simple getters (eth and klay)", () => {
  it("chain id, block number, gas price, syncing", async () => {
    for (const ns of ["eth", "klay"]) {
      expect(await result(`${ns}_chainId`)).toBe("0x3e8");
      expect(await result(`${ns}_blockNumber`)).toBe("0x3");
      expect(await result(`${ns}_gasPrice`)).toBe(toQuantity(BASE_FEE));
      expect(await result(`${ns}_maxPriorityFeePerGas`)).toBe("0x0");
      expect(await result(`${ns}_syncing`)).toBe(false);
    }
    expect(await result("klay_chainID")).toBe("0x3e8");
  });

  it("net, web3 and eth leftovers", async () => {
    expect(await result("net_version")).toBe("1001");
    expect(await result("net_peerCount")).toBe("0x3");
    expect(await result("net_listening")).toBe(true);
    expect(await result("web3_clientVersion")).toBe("knode/v0.1.0-test");
    expect(await result("web3_sha3", ["0x68656c6c6f"])).toBe(hex(keccak256(new TextEncoder().encode("hello"))));
    expect(await result("eth_accounts")).toEqual([]);
    expect(await result("eth_mining")).toBe(false);
    expect(await result("eth_hashrate")).toBe("0x0");
    expect(await result("eth_getUncleCountByBlockNumber", ["0x1"])).toBe("0x0");
    expect(await result("eth_getUncleCountByBlockHash", [hex(c.backend.blocks[1].hash)])).toBe("0x0");
    expect(await result("eth_getUncleCountByBlockNumber", ["0x99"])).toBeNull();
  });
});

describe("state", () => {
  it("balance and nonce, with pending counting the pool", async () => {
    for (const ns of ["eth", "klay"]) {
      expect(await result(`${ns}_getBalance`, [ADDR, "latest"])).toBe(toQuantity(10n ** 18n));
      expect(await result(`${ns}_getBalance`, [ADDR])).toBe(toQuantity(10n ** 18n));
      expect(await result(`${ns}_getTransactionCount`, [ADDR, "latest"])).toBe("0x3");
      expect(await result(`${ns}_getTransactionCount`, [ADDR, "pending"])).toBe("0x4");
    }
    expect(await result("eth_getBalance", [ADDR, hex(c.backend.blocks[2].hash)])).toBe(toQuantity(10n ** 18n));
    expect(await result("eth_getBalance", [ADDR, { blockNumber: "0x1" }])).toBe(toQuantity(10n ** 18n));
    expect((await h.rpc("eth_getBalance", [ADDR, "0x64"])).error).toEqual({
      code: -32000,
      message: "header not found",
    });
  });

  it("code and storage", async () => {
    c.backend.code.set(hex(CONTRACT), Uint8Array.of(0x60, 0x00));
    c.backend.storage.set(`${hex(CONTRACT)}/${hex(word(1))}`, word(42));
    expect(await result("eth_getCode", [hex(CONTRACT), "latest"])).toBe("0x6000");
    expect(await result("klay_getCode", [hex(CONTRACT)])).toBe("0x6000");
    expect(await result("eth_getStorageAt", [hex(CONTRACT), "0x1", "latest"])).toBe(hex(word(42)));
    expect(await result("klay_getStorageAt", [hex(CONTRACT), hex(word(1)), "latest"])).toBe(hex(word(42)));
    expect((await h.rpc("eth_getStorageAt", [hex(CONTRACT), `0x${"00".repeat(33)}`, "latest"])).error?.message).toBe(
      `storage key too long (want at most 32 bytes): "0x${"00".repeat(33)}"`,
    );
  });

  it("eth_call returns data, maps reverts to code 3 and failures to -32000", async () => {
    let seen: unknown;
    c.backend.callImpl = (args, n) => {
      seen = { args, n };
      return { returnData: Uint8Array.of(0xbe, 0xef), gasUsed: 1n, reverted: false };
    };
    const call = { from: ADDR, to: hex(CONTRACT), input: "0x1234", gas: "0x5208", value: "0x1" };
    expect(await result("eth_call", [call, "0x1"])).toBe("0xbeef");
    expect(seen).toMatchObject({ n: 1n, args: { gas: 21000n, value: 1n, data: Uint8Array.of(0x12, 0x34) } });
    expect(await result("klay_call", [call, "latest"])).toBe("0xbeef");

    // Error(string) "user error", as in the execution-apis fixture.
    const reason = new TextEncoder().encode("user error");
    const data = new Uint8Array(4 + 32 + 32 + 32);
    data.set([0x08, 0xc3, 0x79, 0xa0]);
    data[35] = 0x20;
    data[67] = reason.length;
    data.set(reason, 68);
    c.backend.callImpl = () => ({ returnData: data, gasUsed: 1n, reverted: true });
    expect((await h.rpc("eth_call", [call, "latest"])).error).toEqual({
      code: 3,
      message: "execution reverted: user error",
      data: hex(data),
    });
    c.backend.callImpl = () => ({ returnData: Uint8Array.of(1, 2, 3), gasUsed: 1n, reverted: true });
    expect((await h.rpc("klay_call", [call])).error).toEqual({
      code: 3,
      message: "execution reverted",
      data: "0x010203",
    });
    c.backend.callImpl = () => ({ returnData: new Uint8Array(), gasUsed: 1n, reverted: false, error: "out of gas" });
    expect((await h.rpc("eth_call", [call])).error).toEqual({ code: -32000, message: "out of gas" });
    const both = { ...call, data: "0x99" };
    expect((await h.rpc("eth_call", [both])).error?.code).toBe(-32602);
  });

  it("eth_estimateGas returns the estimate and maps ExecutionRevertedError to code 3", async () => {
    c.backend.estimateImpl = () => 53_000n;
    expect(await result("eth_estimateGas", [{ from: ADDR, to: hex(CONTRACT) }])).toBe(toQuantity(53_000n));
    expect(await result("klay_estimateGas", [{ from: ADDR, to: hex(CONTRACT) }, "latest"])).toBe(toQuantity(53_000n));
    const panic = new Uint8Array(36);
    panic.set([0x4e, 0x48, 0x7b, 0x71]);
    panic[35] = 1;
    c.backend.estimateImpl = () => {
      throw new ExecutionRevertedError(panic);
    };
    expect((await h.rpc("eth_estimateGas", [{ to: hex(CONTRACT) }])).error).toEqual({
      code: 3,
      message: "execution reverted: assert(false)",
      data: hex(panic),
    });
  });

  it("sendRawTransaction hands the bytes to the backend and returns the hash", async () => {
    const raw = "0x02f86b8203e8";
    for (const ns of ["eth", "klay"]) {
      expect(await result(`${ns}_sendRawTransaction`, [raw])).toBe(hex(keccak256(Buffer.from(raw.slice(2), "hex"))));
    }
    expect(hex(c.backend.sent[c.backend.sent.length - 1])).toBe(raw);
  });
});

describe("blocks", () => {
  it("eth_getBlockByNumber in Kaia's Ethereum shape", async () => {
    const bw = c.backend.blocks[1];
    const b = (await result("eth_getBlockByNumber", ["0x1", false])) as Obj;
    expect(b).toMatchObject({
      number: "0x1",
      hash: hex(bw.hash),
      parentHash: hex(c.backend.blocks[0].hash),
      nonce: "0x0000000000000000",
      sha3Uncles: hex(keccak256(Uint8Array.of(0xc0))),
      logsBloom: hex(bw.block.header.logsBloom),
      transactionsRoot: hex(bw.block.header.txRoot),
      stateRoot: hex(bw.block.header.stateRoot),
      receiptsRoot: hex(bw.block.header.receiptsRoot),
      miner: hex(REWARDBASE),
      difficulty: "0x1",
      totalDifficulty: "0x2",
      extraData: hex(bw.block.header.extraData),
      size: toQuantity(bw.size),
      gasLimit: "0xe8d4a50fff",
      gasUsed: toQuantity(71000n),
      timestamp: toQuantity(bw.block.header.timestamp),
      transactions: [hex(c.legacy.hash), hex(c.dynamic.hash)],
      uncles: [],
      baseFeePerGas: toQuantity(BASE_FEE),
      mixHash: `0x${"00".repeat(32)}`,
    });
    const full = (await result("eth_getBlockByHash", [hex(bw.hash), true])) as Obj;
    const txs = full.transactions as Obj[];
    expect(txs.map((t) => t.hash)).toEqual([hex(c.legacy.hash), hex(c.dynamic.hash)]);
    expect(txs[1]).toMatchObject({ blockHash: hex(bw.hash), blockNumber: "0x1", transactionIndex: "0x1" });
    expect(await result("eth_getBlockByNumber", ["0x3e8", true])).toBeNull();
    expect(await result("eth_getBlockByHash", [`0x${"12".repeat(32)}`, false])).toBeNull();
    expect(((await result("eth_getBlockByNumber", ["latest", false])) as Obj).number).toBe("0x3");
    expect(((await result("eth_getBlockByNumber", ["earliest", false])) as Obj).number).toBe("0x0");
  });

  it("klay_getBlockByNumber in Klaytn's shape", async () => {
    const bw = c.backend.blocks[2];
    const b = (await result("klay_getBlockByNumber", ["0x2", true])) as Obj;
    expect(b).toMatchObject({
      blockscore: "0x1",
      extraData: hex(bw.block.header.extraData),
      gasUsed: toQuantity(120000n),
      governanceData: "0x",
      hash: hex(bw.hash),
      number: "0x2",
      reward: hex(REWARDBASE),
      size: toQuantity(bw.size),
      timestampFoS: "0x0",
      totalBlockScore: "0x3",
      voteData: "0x",
      baseFeePerGas: toQuantity(BASE_FEE),
    });
    expect(b).not.toHaveProperty("miner");
    expect((b.transactions as Obj[])[0]).toMatchObject({ type: "TxTypeEthereumAccessList", typeInt: 0x7801 });
    expect(((await result("klay_getBlockByHash", [hex(bw.hash), false])) as Obj).transactions).toEqual([
      hex(c.create.hash),
    ]);
  });

  it("transaction counts and by-index lookups", async () => {
    const hash1 = hex(c.backend.blocks[1].hash);
    for (const ns of ["eth", "klay"]) {
      expect(await result(`${ns}_getBlockTransactionCountByNumber`, ["0x1"])).toBe("0x2");
      expect(await result(`${ns}_getBlockTransactionCountByHash`, [hash1])).toBe("0x2");
      expect(((await result(`${ns}_getTransactionByBlockNumberAndIndex`, ["0x1", "0x1"])) as Obj).hash).toBe(
        hex(c.dynamic.hash),
      );
      expect(((await result(`${ns}_getTransactionByBlockHashAndIndex`, [hash1, "0x0"])) as Obj).hash).toBe(
        hex(c.legacy.hash),
      );
      expect(await result(`${ns}_getTransactionByBlockNumberAndIndex`, ["0x1", "0x2"])).toBeNull();
    }
    expect(await result("eth_getBlockTransactionCountByNumber", ["0x99"])).toBeNull();
  });
});

describe("transactions and receipts", () => {
  it("eth_getTransactionByHash formats mined txs like geth", async () => {
    const t = (await result("eth_getTransactionByHash", [hex(c.dynamic.hash)])) as Obj;
    expect(t).toEqual({
      blockHash: hex(c.backend.blocks[1].hash),
      blockNumber: "0x1",
      blockTimestamp: toQuantity(c.backend.blocks[1].block.header.timestamp),
      from: ADDR,
      gas: toQuantity(60000n),
      gasPrice: toQuantity(BASE_FEE + 3n),
      maxFeePerGas: toQuantity(BASE_FEE * 2n),
      maxPriorityFeePerGas: "0x3",
      hash: hex(c.dynamic.hash),
      input: "0xa9059cbb",
      nonce: "0x1",
      to: hex(CONTRACT),
      transactionIndex: "0x1",
      value: toQuantity(c.dynamic.value),
      type: "0x2",
      accessList: [],
      chainId: "0x3e8",
      v: "0x1",
      r: toQuantity(c.dynamic.r),
      s: toQuantity(c.dynamic.s),
      yParity: "0x1",
    });
    const legacy = (await result("eth_getTransactionByHash", [hex(c.legacy.hash)])) as Obj;
    expect(legacy).toMatchObject({ type: "0x0", v: toQuantity(2035n), gasPrice: toQuantity(BASE_FEE) });
    expect(legacy).not.toHaveProperty("yParity");
    expect(legacy).not.toHaveProperty("accessList");
    const create = (await result("eth_getTransactionByHash", [hex(c.create.hash)])) as Obj;
    expect(create).toMatchObject({
      to: null,
      type: "0x1",
      accessList: [{ address: hex(CONTRACT), storageKeys: [hex(word(1))] }],
    });
  });

  it("pending transactions come back with null block fields", async () => {
    const t = (await result("eth_getTransactionByHash", [hex(c.pending.hash)])) as Obj;
    expect(t).toMatchObject({
      blockHash: null,
      blockNumber: null,
      transactionIndex: null,
      gasPrice: toQuantity(BASE_FEE * 2n),
    });
    const k = (await result("klay_getTransactionByHash", [hex(c.pending.hash)])) as Obj;
    expect(k).toMatchObject({ blockHash: null, blockNumber: null, type: "TxTypeEthereumDynamicFee", typeInt: 30722 });
    expect(await result("eth_getTransactionByHash", [`0x${"00".repeat(31)}01`])).toBeNull();
    expect(await result("eth_getTransactionReceipt", [hex(c.pending.hash)])).toBeNull();
  });

  it("klay_getTransactionByHash follows the Klaytn docs' RPC output", async () => {
    const t = (await result("klay_getTransactionByHash", [hex(c.legacy.hash)])) as Obj;
    expect(t).toEqual({
      blockHash: hex(c.backend.blocks[1].hash),
      blockNumber: "0x1",
      from: ADDR,
      gas: toQuantity(21000n),
      gasPrice: toQuantity(BASE_FEE),
      hash: hex(c.legacy.hash),
      input: "0x",
      nonce: "0x0",
      senderTxHash: hex(c.legacy.hash),
      signatures: [{ V: toQuantity(2035n), R: toQuantity(c.legacy.r), S: toQuantity(c.legacy.s) }],
      to: hex(c.legacy.to ?? new Uint8Array()),
      transactionIndex: "0x0",
      type: "TxTypeLegacyTransaction",
      typeInt: 0,
      value: toQuantity(c.legacy.value),
    });
  });

  it("eth_getTransactionReceipt with block-wide log indexes", async () => {
    const r = (await result("eth_getTransactionReceipt", [hex(c.dynamic.hash)])) as Obj;
    const rc = c.receipts[1][1];
    expect(r).toMatchObject({
      blockHash: hex(c.backend.blocks[1].hash),
      blockNumber: "0x1",
      contractAddress: null,
      cumulativeGasUsed: toQuantity(71000n),
      effectiveGasPrice: toQuantity(rc.effectiveGasPrice),
      from: ADDR,
      gasUsed: toQuantity(50000n),
      logsBloom: hex(rc.logsBloom),
      status: "0x1",
      to: hex(CONTRACT),
      transactionHash: hex(c.dynamic.hash),
      transactionIndex: "0x1",
      type: "0x2",
    });
    const logs = r.logs as Obj[];
    expect(logs).toHaveLength(2);
    expect(logs[1]).toMatchObject({
      address: hex(CONTRACT),
      topics: [hex(TOPIC_A), hex(word(2))],
      data: "0x02",
      blockNumber: "0x1",
      transactionHash: hex(c.dynamic.hash),
      transactionIndex: "0x1",
      blockHash: hex(c.backend.blocks[1].hash),
      logIndex: "0x1",
      removed: false,
    });
    const created = (await result("eth_getTransactionReceipt", [hex(c.create.hash)])) as Obj;
    expect(created).toMatchObject({ contractAddress: hex(CREATED), to: null, type: "0x1" });
    expect((created.logs as Obj[])[0]).toMatchObject({ logIndex: "0x0", topics: [hex(TOPIC_B)] });
  });

  it("klay_getTransactionReceipt merges tx and receipt fields", async () => {
    const r = (await result("klay_getTransactionReceipt", [hex(c.dynamic.hash)])) as Obj;
    expect(r).toMatchObject({
      transactionHash: hex(c.dynamic.hash),
      senderTxHash: hex(c.dynamic.hash),
      typeInt: 30722,
      type: "TxTypeEthereumDynamicFee",
      status: "0x1",
      gasUsed: toQuantity(50000n),
      gas: toQuantity(60000n),
      input: "0xa9059cbb",
      contractAddress: null,
    });
    expect(r).not.toHaveProperty("hash");
    expect((r.logs as Obj[]).map((l) => l.logIndex)).toEqual(["0x0", "0x1"]);
  });
});

describe("eth_getLogs", () => {
  it("filters by address, topics with wildcards and OR-lists, and ranges", async () => {
    const all = (await result("eth_getLogs", [{ fromBlock: "0x0", toBlock: "latest" }])) as Obj[];
    expect(all.map((l) => l.data)).toEqual(["0x01", "0x02", "0x"]);
    const byAddr = (await result("klay_getLogs", [{ fromBlock: "earliest", address: [hex(CREATED)] }])) as Obj[];
    expect(byAddr).toHaveLength(1);
    expect(byAddr[0]).toMatchObject({ address: hex(CREATED), blockNumber: "0x2", logIndex: "0x0" });
    const second = (await result("eth_getLogs", [
      { fromBlock: "0x1", topics: [null, [hex(word(2)), hex(word(9))]] },
    ])) as Obj[];
    expect(second.map((l) => l.logIndex)).toEqual(["0x1"]);
    const orTopic = (await result("eth_getLogs", [
      { fromBlock: "0x0", topics: [[hex(TOPIC_A), hex(TOPIC_B)]] },
    ])) as Obj[];
    expect(orTopic).toHaveLength(3);
    // A filter naming more topics than a log has never matches that log.
    const tooLong = (await result("eth_getLogs", [{ fromBlock: "0x0", topics: [hex(TOPIC_B), null] }])) as Obj[];
    expect(tooLong).toEqual([]);
    const byHash = (await result("eth_getLogs", [{ blockHash: hex(c.backend.blocks[1].hash) }])) as Obj[];
    expect(byHash).toHaveLength(2);
    expect(await result("eth_getLogs", [{ fromBlock: "0x1", toBlock: "0x1", address: hex(CREATED) }])).toEqual([]);
  });

  it("skips blocks whose bloom cannot match", async () => {
    const before = c.backend.blockReads;
    const none = await result("eth_getLogs", [{ fromBlock: "0x0", topics: [hex(keccak256(Uint8Array.of(7)))] }]);
    expect(none).toEqual([]);
    // Header reads only (4 blocks), no block+receipt loads for the body scan.
    expect(c.backend.blockReads - before).toBe(4);
  });

  it("rejects bad ranges and caps range and results", async () => {
    expect((await h.rpc("eth_getLogs", [{ fromBlock: "0x2", toBlock: "0x1" }])).error).toEqual({
      code: -32602,
      message: "invalid block range params",
    });
    expect((await h.rpc("eth_getLogs", [{ fromBlock: "0x1", toBlock: "0x9" }])).error).toEqual({
      code: -32602,
      message: "block range extends beyond current head block",
    });
    expect(
      (await h.rpc("eth_getLogs", [{ blockHash: hex(c.backend.blocks[1].hash), fromBlock: "0x1" }])).error,
    ).toEqual({
      code: -32602,
      message: "invalid argument 0: cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other",
    });
    expect((await h.rpc("eth_getLogs", [{ topics: [null, null, null, null, null] }])).error?.message).toBe(
      "invalid argument 0: exceed max topics",
    );
    const capped = await startServer({ getLogsMaxResults: 2, getLogsBlockRange: 2 }, c.backend);
    try {
      expect((await capped.rpc("eth_getLogs", [{ fromBlock: "0x1", toBlock: "0x2" }])).error).toEqual({
        code: -32000,
        message: "query returned more than 2 results",
      });
      expect((await capped.rpc("eth_getLogs", [{ fromBlock: "0x0", toBlock: "0x2" }])).error).toEqual({
        code: -32000,
        message: "exceed maximum block range: 2",
      });
    } finally {
      await capped.server.close();
    }
  });
});

describe("eth_feeHistory", () => {
  it("reports base fees, gas ratios and gas-weighted reward percentiles", async () => {
    for (const ns of ["eth", "klay"]) {
      const fh = (await result(`${ns}_feeHistory`, ["0x3", "latest", [0, 50, 100]])) as Obj;
      expect(fh.oldestBlock).toBe("0x1");
      expect(fh.baseFeePerGas).toEqual(Array(4).fill(toQuantity(BASE_FEE)));
      expect(fh.gasUsedRatio).toEqual([71000 / 999_999_999_999, 120000 / 999_999_999_999, 0]);
      // Block 1: legacy tip 0 (21000 gas), dynamic tip 3 (50000 gas); block 2: access-list tip 0.
      expect(fh.reward).toEqual([
        ["0x0", "0x3", "0x3"],
        ["0x0", "0x0", "0x0"],
        ["0x0", "0x0", "0x0"],
      ]);
    }
    const noRewards = (await result("eth_feeHistory", [2, "0x1"])) as Obj;
    expect(noRewards).toEqual({
      oldestBlock: "0x0",
      baseFeePerGas: Array(3).fill(toQuantity(BASE_FEE)),
      gasUsedRatio: [0, 71000 / 999_999_999_999],
    });
    expect((await h.rpc("eth_feeHistory", ["0x1", "latest", [50, 10]])).error?.code).toBe(-32000);
  });
});

describe("txpool", () => {
  it("status and content keyed by checksummed sender and nonce", async () => {
    expect(await result("txpool_status")).toEqual({ pending: "0x1", queued: "0x0" });
    const content = (await result("txpool_content")) as { pending: Record<string, Record<string, Obj>>; queued: Obj };
    const [sender] = Object.keys(content.pending);
    expect(sender.toLowerCase()).toBe(ADDR);
    expect(sender).not.toBe(ADDR);
    expect(content.pending[sender]["3"]).toMatchObject({ hash: hex(c.pending.hash), blockHash: null });
    expect(content.queued).toEqual({});
  });
});

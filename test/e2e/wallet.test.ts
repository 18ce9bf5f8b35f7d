import { ContractFactory, ethers, type JsonRpcProvider, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KnodeProcess, type NetworkInfo, setupLocalNetwork, waitForBlock } from "../helpers/knodeProcess.js";
import { compileTestToken } from "../helpers/solc.js";
import { walletProvider } from "../helpers/walletProvider.js";

/**
 * A wallet's view of a one-CN chain: the real binary as a child process, driven by ethers v6 exactly as a
 * dapp would drive it.
 */
describe("one-CN chain driven by ethers", () => {
  let net: { dir: string; network: NetworkInfo; cleanup: () => void };
  let node: KnodeProcess;
  let provider: JsonRpcProvider;
  let alice: Wallet;
  let bob: Wallet;

  beforeAll(async () => {
    net = await setupLocalNetwork({ cn: 1, testAccounts: 3 });
    node = KnodeProcess.start(net.dir, net.network.nodes[0]);
    await node.ready();
    provider = walletProvider(net.network.nodes[0].rpc, net.network.chainId);
    alice = new Wallet(net.network.testAccounts[0].privateKey, provider);
    bob = new Wallet(net.network.testAccounts[1].privateKey, provider);
  }, 60_000);

  afterAll(async () => {
    provider?.destroy();
    await node?.stop();
    net?.cleanup();
  });

  it("reports the chain id and makes a block about every second", async () => {
    expect((await provider.getNetwork()).chainId).toBe(BigInt(net.network.chainId));
    const start = await provider.getBlockNumber();
    await waitForBlock(net.network.nodes[0].rpc, start + 4);
    const blocks = await Promise.all([0, 1, 2, 3, 4].map((i) => provider.getBlock(start + i)));
    for (let i = 1; i < blocks.length; i++) {
      expect(blocks[i]?.parentHash).toBe(blocks[i - 1]?.hash);
    }
    const mean = ((blocks[4]?.timestamp ?? 0) - (blocks[0]?.timestamp ?? 0)) / 4;
    expect(mean).toBeGreaterThanOrEqual(0.75);
    expect(mean).toBeLessThanOrEqual(1.5);
  });

  it("moves value with a legacy and an EIP-1559 transfer", async () => {
    const bobBefore = await provider.getBalance(bob.address);
    const legacy = await alice.sendTransaction({ to: bob.address, value: 1000n, type: 0 });
    const r1 = await legacy.wait();
    expect(r1?.status).toBe(1);
    expect(r1?.type).toBe(0);
    const dyn = await alice.sendTransaction({ to: bob.address, value: 2000n, type: 2 });
    const r2 = await dyn.wait();
    expect(r2?.status).toBe(1);
    expect(r2?.type).toBe(2);
    expect(await provider.getBalance(bob.address)).toBe(bobBefore + 3000n);
    const tx = await provider.getTransaction(dyn.hash);
    expect(tx?.from).toBe(alice.address);
    expect(tx?.blockNumber).toBe(r2?.blockNumber);
    expect(await provider.getTransactionCount(alice.address)).toBe(2);
    const block = await provider.getBlock(r2?.blockNumber ?? 0, true);
    expect(block?.prefetchedTransactions.map((t) => t.hash)).toContain(dyn.hash);
  });

  it("deploys an ERC-20, transfers, reads Transfer logs and revert reasons", async () => {
    const { abi, bytecode } = compileTestToken();
    const factory = new ContractFactory(abi as ethers.InterfaceAbi, bytecode, alice);
    const token = await factory.deploy("Test", "TST", 1_000_000n);
    await token.waitForDeployment();
    const address = await token.getAddress();
    expect((await provider.getCode(address)).length).toBeGreaterThan(2);
    expect(await token.getFunction("balanceOf")(alice.address)).toBe(1_000_000n);
    expect(await token.getFunction("symbol")()).toBe("TST");

    const tx = await token.getFunction("transfer")(bob.address, 250n);
    const receipt = await tx.wait();
    expect(receipt.status).toBe(1);
    expect(await token.getFunction("balanceOf")(bob.address)).toBe(250n);

    const iface = new ethers.Interface(abi as ethers.InterfaceAbi);
    const transferTopic = iface.getEvent("Transfer")?.topicHash ?? "";
    const logs = await provider.getLogs({
      address,
      topics: [transferTopic, null, ethers.zeroPadValue(bob.address, 32)],
      fromBlock: 0,
      toBlock: "latest",
    });
    expect(logs).toHaveLength(1);
    const parsed = iface.parseLog(logs[0]);
    expect(parsed?.args[0]).toBe(alice.address);
    expect(parsed?.args[1]).toBe(bob.address);
    expect(parsed?.args[2]).toBe(250n);
    expect(logs[0].transactionHash).toBe(receipt.hash);
    const allTransfers = await provider.getLogs({ address, topics: [transferTopic], fromBlock: 0, toBlock: "latest" });
    expect(allTransfers).toHaveLength(2); // the mint and the transfer

    const asBob = token.connect(bob) as typeof token;
    await expect(asBob.getFunction("transfer").staticCall(alice.address, 10_000n)).rejects.toMatchObject({
      reason: "TestToken: insufficient balance",
    });
    await expect(asBob.getFunction("transfer").estimateGas(alice.address, 10_000n)).rejects.toMatchObject({
      reason: "TestToken: insufficient balance",
    });
    const est = await asBob.getFunction("transfer").estimateGas(alice.address, 10n);
    expect(est).toBeGreaterThan(21_000n);
  });
});

import { type JsonRpcProvider, Transaction, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KnodeProcess, type NetworkInfo, rpcCall, setupLocalNetwork, waitForBlock } from "../helpers/knodeProcess.js";
import { walletProvider } from "../helpers/walletProvider.js";

/** Nothing lost: stop the CN cleanly and with SIGKILL mid-stream, restart, and check the books. */
describe("restart after SIGTERM and SIGKILL", () => {
  let net: { dir: string; network: NetworkInfo; cleanup: () => void };
  let node: KnodeProcess;
  let url: string;
  let provider: JsonRpcProvider;
  let alice: Wallet;
  let bob: Wallet;

  beforeAll(async () => {
    net = await setupLocalNetwork({ cn: 1, testAccounts: 2 });
    url = net.network.nodes[0].rpc;
    node = KnodeProcess.start(net.dir, net.network.nodes[0]);
    await node.ready();
    provider = walletProvider(url, net.network.chainId);
    alice = new Wallet(net.network.testAccounts[0].privateKey, provider);
    bob = new Wallet(net.network.testAccounts[1].privateKey, provider);
  }, 60_000);

  afterAll(async () => {
    provider?.destroy();
    await node?.stop("SIGKILL");
    net?.cleanup();
  });

  async function restart(signal: NodeJS.Signals) {
    const exit = await node.stop(signal);
    node = KnodeProcess.start(net.dir, net.network.nodes[0]);
    await node.ready();
    return exit;
  }

  function rawTransfer(nonce: number, value: bigint, gasPrice: bigint): { raw: string; hash: string } {
    const tx = Transaction.from({
      type: 0,
      to: bob.address,
      nonce,
      gasLimit: 21_000n,
      gasPrice,
      value,
      chainId: net.network.chainId,
    });
    tx.signature = alice.signingKey.sign(tx.unsignedHash);
    return { raw: tx.serialized, hash: tx.hash ?? "" };
  }

  it("keeps chain and state across a clean stop", async () => {
    for (let i = 0; i < 3; i++) await (await alice.sendTransaction({ to: bob.address, value: 10n })).wait();
    const head = await provider.getBlockNumber();
    const headBlock = await provider.getBlock(head);
    const bobBalance = await provider.getBalance(bob.address);

    const exit = await restart("SIGTERM");
    expect(exit.code).toBe(0);
    expect((await provider.getBlock(head))?.hash).toBe(headBlock?.hash);
    expect(await provider.getBalance(bob.address)).toBe(bobBalance);
    expect(await provider.getTransactionCount(alice.address)).toBe(3);
    await waitForBlock(url, head + 2);
  });

  it("stays consistent after SIGKILL in the middle of a stream of transactions", async () => {
    const gasPrice = BigInt(await rpcCall<string>(url, "eth_gasPrice", []));
    const firstNonce = await provider.getTransactionCount(alice.address);
    const startHead = await provider.getBlockNumber();
    const aliceBefore = await provider.getBalance(alice.address);
    const bobBefore = await provider.getBalance(bob.address);

    const txs = Array.from({ length: 400 }, (_, i) => rawTransfer(firstNonce + i, BigInt(i + 1), gasPrice));
    // Stream the transactions in batches of 20, a block's worth at a time, and kill -9 while the stream is
    // still flowing, once a few blocks have taken part of it.
    let killed = false;
    const stream = (async () => {
      for (let sent = 0; sent < txs.length && !killed; sent += 20) {
        const batch = txs
          .slice(sent, sent + 20)
          .map((t, i) => ({ jsonrpc: "2.0", id: i, method: "eth_sendRawTransaction", params: [t.raw] }));
        await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(batch),
        }).catch(() => undefined);
        if (sent % 100 === 80) await waitForBlock(url, (await provider.getBlockNumber()) + 1).catch(() => undefined);
      }
    })();
    while ((await provider.getTransactionCount(alice.address)) - firstNonce < 60) {
      await waitForBlock(url, (await provider.getBlockNumber()) + 1);
    }
    killed = true;
    const exit = await restart("SIGKILL");
    await stream;
    expect(exit.signal).toBe("SIGKILL");

    const nonce = await provider.getTransactionCount(alice.address, "latest");
    const included = nonce - firstNonce;
    expect(included).toBeGreaterThan(0);
    expect(included).toBeLessThanOrEqual(txs.length);

    // Every included transfer is on the chain with a receipt; the first one left out is not.
    let fees = 0n;
    let values = 0n;
    for (let i = 0; i < included; i++) {
      const r = await provider.getTransactionReceipt(txs[i].hash);
      expect(r?.status).toBe(1);
      fees += (r?.gasUsed ?? 0n) * (r?.gasPrice ?? 0n);
      values += BigInt(i + 1);
    }
    if (included < txs.length) expect(await provider.getTransactionReceipt(txs[included].hash)).toBeNull();
    expect(await provider.getBalance(bob.address)).toBe(bobBefore + values);
    expect(await provider.getBalance(alice.address)).toBe(aliceBefore - values - fees);
    expect(await provider.getBlockNumber()).toBeGreaterThanOrEqual(startHead);

    // The chain continues and accepts the next nonce.
    const next = await alice.sendTransaction({ to: bob.address, value: 1n, nonce, gasPrice, type: 0 });
    expect((await next.wait())?.status).toBe(1);
  });
});

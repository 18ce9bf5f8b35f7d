import { type JsonRpcProvider, type SigningKey, Transaction, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  KnodeProcess,
  type NetworkInfo,
  rawPost,
  rpcCall,
  setupLocalNetwork,
  waitForBlock,
} from "../helpers/knodeProcess.js";
import { walletProvider } from "../helpers/walletProvider.js";

interface RpcReply {
  id?: unknown;
  error?: { code: number; message: string };
  result?: unknown;
}

/** Bad input of every kind gets the error geth would give, changes nothing, and blocks keep coming. */
describe("bad input over JSON-RPC", () => {
  let net: { dir: string; network: NetworkInfo; cleanup: () => void };
  let node: KnodeProcess;
  let url: string;
  let provider: JsonRpcProvider;
  let alice: Wallet;
  let bob: Wallet;
  let gasPrice: bigint;

  beforeAll(async () => {
    net = await setupLocalNetwork({ cn: 1, testAccounts: 3 });
    node = KnodeProcess.start(net.dir, net.network.nodes[0]);
    await node.ready();
    url = net.network.nodes[0].rpc;
    provider = walletProvider(url, net.network.chainId);
    alice = new Wallet(net.network.testAccounts[0].privateKey, provider);
    bob = new Wallet(net.network.testAccounts[1].privateKey, provider);
    gasPrice = BigInt(await rpcCall<string>(url, "eth_gasPrice", []));
  }, 60_000);

  afterAll(async () => {
    provider?.destroy();
    await node?.stop();
    net?.cleanup();
  });

  async function post(body: string | Uint8Array) {
    const r = await rawPost(url, body);
    return {
      status: r.status,
      json: r.status === 200 && r.text ? (JSON.parse(r.text) as RpcReply | RpcReply[]) : undefined,
    };
  }

  async function sendRaw(raw: string): Promise<RpcReply> {
    return (await post(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "eth_sendRawTransaction", params: [raw] })))
      .json as RpcReply;
  }

  function signed(
    o: Partial<{ nonce: number; gasLimit: bigint; value: bigint; chainId: number; gasPrice: bigint }>,
    key: { signingKey: SigningKey } = alice,
  ): string {
    const tx = Transaction.from({
      type: 0,
      to: bob.address,
      nonce: o.nonce ?? 0,
      gasLimit: o.gasLimit ?? 21_000n,
      gasPrice: o.gasPrice ?? gasPrice,
      value: o.value ?? 1n,
      chainId: o.chainId ?? net.network.chainId,
    });
    tx.signature = key.signingKey.sign(tx.unsignedHash);
    return tx.serialized;
  }

  it("answers protocol errors with the JSON-RPC codes", async () => {
    const parse = await post("{not json");
    expect((parse.json as RpcReply).error?.code).toBe(-32700);

    const unknown = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_noSuchMethod", params: [] }));
    expect((unknown.json as RpcReply).error?.code).toBe(-32601);
    expect((unknown.json as RpcReply).error?.message).toContain("does not exist");

    const badParams = await post(
      JSON.stringify({ jsonrpc: "2.0", id: 2, method: "eth_getBalance", params: ["0x1234", "latest"] }),
    );
    expect((badParams.json as RpcReply).error?.code).toBe(-32602);

    const tooMany = await post(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "eth_blockNumber", params: [1, 2, 3] }));
    expect((tooMany.json as RpcReply).error?.code).toBe(-32602);

    const empty = await post("[]");
    expect((empty.json as RpcReply).error?.code).toBe(-32600);

    const batch = Array.from({ length: 1001 }, (_, i) => ({
      jsonrpc: "2.0",
      id: i,
      method: "eth_blockNumber",
      params: [],
    }));
    const big = await post(JSON.stringify(batch));
    const bigReply = Array.isArray(big.json) ? big.json[0] : big.json;
    expect(bigReply?.error?.message).toMatch(/batch too large/);

    const okBatch = await post(JSON.stringify(batch.slice(0, 3)));
    expect(Array.isArray(okBatch.json) && okBatch.json.length).toBe(3);

    const huge = await post(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "eth_call",
        params: [{ data: `0x${"00".repeat(3 * 1024 * 1024)}` }],
      }),
    );
    expect(huge.status).toBe(413);
  });

  it("rejects bad transactions with geth's messages and changes nothing", async () => {
    const head = await provider.getBlockNumber();
    const aliceBefore = await provider.getBalance(alice.address);
    const bobBefore = await provider.getBalance(bob.address);

    expect((await sendRaw("0xdeadbeef")).error?.code).toBe(-32000);
    expect((await sendRaw("0x")).error).toBeDefined();
    expect((await sendRaw("nothex")).error?.code).toBe(-32602);

    expect((await sendRaw(signed({ chainId: net.network.chainId + 1 }))).error?.message).toMatch(/invalid chain id/);
    expect((await sendRaw(signed({ gasLimit: 20_000n }))).error?.message).toBe("intrinsic gas too low");
    const poor = Wallet.createRandom();
    expect((await sendRaw(signed({}, poor))).error?.message).toBe("insufficient funds for gas * price + value");
    expect((await sendRaw(signed({ gasPrice: 1n }))).error?.message).toMatch(/underpriced|less than block base fee/);

    // A good transaction, then the same bytes again, then a stale nonce.
    const good = signed({ nonce: 0, value: 5n });
    expect((await sendRaw(good)).result).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await sendRaw(good)).error?.message).toBe("already known");
    const receipt = await provider.waitForTransaction(Transaction.from(good).hash ?? "");
    expect(receipt?.status).toBe(1);
    expect((await sendRaw(signed({ nonce: 0, value: 6n }))).error?.message).toBe("nonce too low");

    // Only the one good transfer moved value.
    expect(await provider.getBalance(bob.address)).toBe(bobBefore + 5n);
    const fee = (receipt?.gasUsed ?? 0n) * (receipt?.gasPrice ?? 0n);
    expect(await provider.getBalance(alice.address)).toBe(aliceBefore - 5n - fee);
    await waitForBlock(url, head + 3);
  });
});

import { KnodeError, nullLogger } from "@knode/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMethodTable } from "../src/buildMethodTable.js";
import { RpcErrorCode, RpcServerError } from "../src/errors.js";
import { method } from "../src/methodTable.js";
import { RpcServer } from "../src/rpcServer.js";
import { FakeBackend, FakePoolError } from "./fakeBackend.js";
import { type Harness, type RpcReply, requestWithHost, startServer } from "./harness.js";

let h: Harness;

beforeAll(async () => {
  h = await startServer(
    { maxBatch: 5, corsDomains: ["https://app.example"], vhosts: ["localhost", "rpc.example"] },
    new FakeBackend(),
    {
      debug_boom: method([], () => {
        throw new TypeError("secret stack detail");
      }),
      eth_knodeError: method([], () => {
        throw new KnodeError({ code: "CHAIN_SOMETHING" }, "something specific went wrong");
      }),
    },
  );
});

afterAll(() => h.server.close());

describe("JSON-RPC envelope", () => {
  it("answers a parse error with -32700 and a null id", async () => {
    const res = await h.post("{not json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
  });

  it("rejects malformed requests with -32600", async () => {
    for (const body of ["1", '"x"', '{"jsonrpc":"2.0","id":1}', '{"jsonrpc":"1.0","id":1,"method":"eth_chainId"}']) {
      const reply = (await (await h.post(body)).json()) as RpcReply;
      expect(reply.error?.code).toBe(-32600);
      expect(reply.error?.message).toBe("invalid request");
    }
  });

  it("reports unknown methods with geth's wording", async () => {
    const reply = await h.rpc("eth_nope");
    expect(reply.error).toEqual({ code: -32601, message: "the method eth_nope does not exist/is not available" });
  });

  it("hides methods of modules that are not enabled", async () => {
    for (const m of ["txpool_status", "debug_boom"]) {
      expect((await h.rpc(m)).error).toEqual({
        code: -32601,
        message: `the method ${m} does not exist/is not available`,
      });
    }
    const withPool = await startServer({ modules: ["eth", "txpool"] });
    try {
      expect((await withPool.rpc("txpool_status")).result).toEqual({ pending: "0x0", queued: "0x0" });
      expect((await withPool.rpc("net_version")).error?.code).toBe(-32601);
    } finally {
      await withPool.server.close();
    }
  });

  it("validates parameters with -32602 and a message naming the problem", async () => {
    const cases: [string, unknown[], string][] = [
      ["eth_getBalance", ["aa".repeat(20)], "invalid argument 0: hex string without 0x prefix"],
      [
        "eth_getBalance",
        [`0x${"aa".repeat(19)}`],
        "invalid argument 0: hex string has length 38, want 40 for common.Address",
      ],
      ["eth_getBalance", [`0x${"aa".repeat(20)}`, "0x01"], "invalid argument 1: hex number with leading zero digits"],
      ["eth_getBalance", [`0x${"aa".repeat(20)}`, "newest"], "invalid argument 1: hex string without 0x prefix"],
      ["eth_getBalance", [], "missing value for required argument 0"],
      ["eth_blockNumber", [1], "too many arguments, want at most 0"],
      [
        "eth_getBlockByNumber",
        ["0x1", "yes"],
        "invalid argument 1: json: cannot unmarshal string into Go value of type bool",
      ],
      ["eth_getTransactionByHash", ["0x1234"], "invalid argument 0: hex string has length 4, want 64 for common.Hash"],
      ["eth_sendRawTransaction", ["0x123"], "invalid argument 0: hex string of odd length"],
      ["eth_call", [{ to: "0x12" }], "invalid argument 0: to: hex string has length 2, want 40 for common.Address"],
      ["eth_getStorageAt", [`0x${"aa".repeat(20)}`, "0xasdf", "latest"], 'invalid hex in storage key: "0xasdf"'],
    ];
    for (const [m, params, message] of cases) {
      expect((await h.rpc(m, params)).error, m).toEqual({ code: -32602, message });
    }
    const reply = (await (
      await h.post('{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":{"a":1}}')
    ).json()) as RpcReply;
    expect(reply.error).toEqual({ code: -32602, message: "non-array args" });
  });

  it("maps backend KnodeErrors to -32000 with their message", async () => {
    h.backend.sendImpl = () => {
      throw new FakePoolError({ code: "TXPOOL_NONCE_TOO_LOW" }, "nonce too low");
    };
    expect((await h.rpc("eth_sendRawTransaction", ["0x01"])).error).toEqual({ code: -32000, message: "nonce too low" });
    expect((await h.rpc("eth_knodeError")).error).toEqual({ code: -32000, message: "something specific went wrong" });
  });

  it("turns unexpected exceptions into -32603 without leaking details", async () => {
    const m = await startServer({ modules: ["debug"] }, new FakeBackend(), {
      debug_boom: method([], () => {
        throw new TypeError("secret stack detail");
      }),
    });
    try {
      const res = await m.post(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "debug_boom" }));
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ jsonrpc: "2.0", id: 7, error: { code: -32603, message: "internal error" } });
      expect(text).not.toContain("secret");
    } finally {
      await m.server.close();
    }
  });

  it("keeps string ids and sends nothing for notifications", async () => {
    const reply = await (await h.post('{"jsonrpc":"2.0","id":"abc","method":"eth_chainId"}')).json();
    expect(reply).toEqual({ jsonrpc: "2.0", id: "abc", result: "0x3e8" });
    const res = await h.post('{"jsonrpc":"2.0","method":"eth_chainId"}');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });
});

describe("batches", () => {
  it("answers each call in order and skips notifications", async () => {
    const body = JSON.stringify([
      { jsonrpc: "2.0", id: 1, method: "eth_chainId" },
      { jsonrpc: "2.0", method: "eth_blockNumber" },
      { jsonrpc: "2.0", id: 2, method: "net_version" },
      { jsonrpc: "2.0", id: 3, method: "eth_nope" },
      7,
    ]);
    const replies = await (await h.post(body)).json();
    expect(replies).toEqual([
      { jsonrpc: "2.0", id: 1, result: "0x3e8" },
      { jsonrpc: "2.0", id: 2, result: "1001" },
      {
        jsonrpc: "2.0",
        id: 3,
        error: { code: -32601, message: "the method eth_nope does not exist/is not available" },
      },
      { jsonrpc: "2.0", id: null, error: { code: -32600, message: "invalid request" } },
    ]);
  });

  it("answers an empty batch with one error object", async () => {
    expect(await (await h.post("[]")).json()).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32600, message: "empty batch" },
    });
  });

  it("refuses batches over maxBatch", async () => {
    const calls = Array.from({ length: 6 }, (_, i) => ({ jsonrpc: "2.0", id: i + 10, method: "eth_chainId" }));
    expect(await (await h.post(JSON.stringify(calls))).json()).toEqual([
      { jsonrpc: "2.0", id: 10, error: { code: -32600, message: "batch too large" } },
    ]);
  });
});

describe("HTTP transport", () => {
  it("answers 413 to a 6 MiB body and keeps serving", async () => {
    const big = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "web3_sha3",
      params: [`0x${"ab".repeat(3 * 1024 * 1024)}`],
    });
    expect(big.length).toBeGreaterThan(6 * 1024 * 1024);
    const res = await h.post(big);
    expect(res.status).toBe(413);
    await res.text();
    expect((await h.rpc("eth_chainId")).result).toBe("0x3e8");
  });

  it("handles GET, OPTIONS, other verbs and content types", async () => {
    expect((await fetch(h.httpUrl)).status).toBe(200);
    expect((await fetch(h.httpUrl, { method: "PUT", body: "{}" })).status).toBe(405);
    expect((await h.post("{}", { "content-type": "text/plain" })).status).toBe(415);
    const pre = await fetch(h.httpUrl, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("sends CORS headers only to allowed origins", async () => {
    const ok = await h.post('{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}', { origin: "https://app.example" });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await h.post('{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}', { origin: "https://evil.example" });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("checks the Host header against vhosts", async () => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}';
    expect((await requestWithHost(h.httpUrl, "evil.example:8551", body)).status).toBe(403);
    expect((await requestWithHost(h.httpUrl, "evil.example", body)).text).toContain("invalid host specified");
    for (const host of ["localhost:8551", "RPC.example", "127.0.0.1:1", "[::1]:8551", "10.0.0.5"]) {
      const res = await requestWithHost(h.httpUrl, host, body);
      expect(res.status, host).toBe(200);
      expect(JSON.parse(res.text).result).toBe("0x3e8");
    }
    const any = await startServer({ vhosts: ["*"] });
    try {
      expect((await requestWithHost(any.httpUrl, "whatever.example", body)).status).toBe(200);
    } finally {
      await any.server.close();
    }
  });

  it("reports a port in use as RPC_PORT_IN_USE", async () => {
    const port = Number(new URL(h.httpUrl).port);
    const backend = new FakeBackend();
    const other = new RpcServer(
      { httpPort: port },
      { logger: nullLogger(), methods: buildMethodTable(backend), backend },
    );
    const err = await other.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RpcServerError);
    expect((err as RpcServerError).code).toBe(RpcErrorCode.PORT_IN_USE);
    expect((err as Error).message).toBe(`RPC port 127.0.0.1:${port} is already in use`);
    await other.close();
  });
});

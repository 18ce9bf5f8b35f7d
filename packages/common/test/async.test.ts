import { describe, expect, it } from "vitest";
import { deferred, installPromiseWithResolvers, isKnodeError, KnodeError, Mutex, sleep } from "../src/index.js";

describe("async helpers", () => {
  it("Mutex runs critical sections one at a time in order", async () => {
    const m = new Mutex();
    const log: string[] = [];
    const gate = deferred<void>();
    const a = m.run(async () => {
      log.push("a-start");
      await gate.promise;
      log.push("a-end");
    });
    const b = m.run(async () => {
      log.push("b");
    });
    await Promise.resolve();
    expect(log).toEqual(["a-start"]);
    gate.resolve();
    await Promise.all([a, b]);
    expect(log).toEqual(["a-start", "a-end", "b"]);
  });

  it("sleep rejects when aborted", async () => {
    const ac = new AbortController();
    const p = sleep(10_000, ac.signal);
    ac.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
  });

  it("Promise.withResolvers polyfill behaves like the standard", async () => {
    const P = Promise as unknown as { withResolvers?: () => unknown };
    const saved = P.withResolvers;
    P.withResolvers = undefined;
    try {
      installPromiseWithResolvers();
      const r = (
        Promise as unknown as { withResolvers: <T>() => { promise: Promise<T>; resolve: (v: T) => void } }
      ).withResolvers<number>();
      r.resolve(7);
      await expect(r.promise).resolves.toBe(7);
    } finally {
      P.withResolvers = saved;
    }
  });

  it("KnodeError carries a code", () => {
    const e = new KnodeError({ code: "X_Y", extra: 1 }, "msg");
    expect(isKnodeError(e, "X_Y")).toBe(true);
    expect(isKnodeError(e, "X_Z")).toBe(false);
    expect(e.message).toBe("msg");
  });
});

import { describe, expect, it } from "vitest";
import { defaultPeerScoreOptions } from "../src/index.js";
import { PeerScoreBook } from "../src/peerScore.js";
import { TokenBuckets } from "../src/rateLimiter.js";
import { type ValidationJob, ValidationQueues } from "../src/validationQueues.js";

describe("PeerScoreBook", () => {
  it("bans at the threshold, decays with the half-life, and lifts bans after banMs", () => {
    let t = 0;
    const book = new PeerScoreBook({ ...defaultPeerScoreOptions, halfLifeMs: 1000, banMs: 5000 }, () => t);
    expect(book.penalize("p", "low")).toBe(false);
    expect(book.score("p")).toBe(-10);
    t = 1000;
    expect(book.score("p")).toBeCloseTo(-5);
    expect(book.penalize("p", "mid")).toBe(false);
    expect(book.penalize("p", "low")).toBe(true);
    expect(book.isBanned("p")).toBe(true);
    t = 6001;
    expect(book.isBanned("p")).toBe(false);
    expect(book.penalize("q", "fatal")).toBe(true);
    book.prune();
    expect(book.score("p")).toBe(0);
  });
});

describe("TokenBuckets", () => {
  it("allows the burst, then the refill rate", () => {
    let t = 0;
    const b = new TokenBuckets(() => t);
    const limit = { capacity: 2, refillPerSecond: 1 };
    expect(b.tryTake("p/m", limit)).toBe(true);
    expect(b.tryTake("p/m", limit)).toBe(true);
    expect(b.tryTake("p/m", limit)).toBe(false);
    expect(b.tryTake("q/m", limit)).toBe(true);
    t = 999;
    expect(b.tryTake("p/m", limit)).toBe(false);
    t = 2000;
    expect(b.tryTake("p/m", limit)).toBe(true);
    b.forget("p/");
    expect(b.size).toBe(1);
  });
});

describe("ValidationQueues", () => {
  function job(log: string[], name: string, gate?: Promise<void>, onRun?: () => void): ValidationJob {
    return {
      run: async () => {
        log.push(`run ${name}`);
        onRun?.();
        await gate;
      },
      drop: () => log.push(`drop ${name}`),
    };
  }

  it("drains consensus before blocks before txs and applies each drop policy", async () => {
    const log: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const dropped: string[] = [];
    const q = new ValidationQueues(
      {
        consensus: { maxLength: 2, drop: "oldest" },
        block: { maxLength: 2, drop: "oldest" },
        tx: { maxLength: 1, drop: "newest" },
      },
      1,
      (k) => dropped.push(k),
    );
    q.push("tx", job(log, "blocker", gate));
    let lastRan!: () => void;
    const finished = new Promise<void>((r) => {
      lastRan = r;
    });
    q.push(
      "tx",
      job(log, "tx1", undefined, () => lastRan()),
    );
    q.push("tx", job(log, "tx2"));
    q.push("block", job(log, "b1"));
    q.push("consensus", job(log, "c1"));
    q.push("consensus", job(log, "c2"));
    q.push("consensus", job(log, "c3"));
    expect(q.length("consensus")).toBe(2);
    open();
    await finished;
    expect(log).toEqual(["run blocker", "drop tx2", "drop c1", "run c2", "run c3", "run b1", "run tx1"]);
    expect(dropped).toEqual(["tx", "consensus"]);
    q.close();
    q.push("block", job(log, "late"));
    expect(log.at(-1)).toBe("drop late");
  });
});

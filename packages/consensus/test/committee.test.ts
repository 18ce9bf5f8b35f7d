import { bytesToHex } from "@knode/common";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { committeeFor, isMember } from "../src/committee.js";
import { ProposerPolicy, selectProposer } from "../src/proposer.js";

const council = (n: number) => Array.from({ length: n }, (_, i) => new Uint8Array(20).fill(i + 1));

describe("committeeFor", () => {
  it("is the whole council when it fits in sub", () => {
    const c = council(4);
    expect(committeeFor(c, new Uint8Array(32), undefined, 0, ProposerPolicy.RoundRobin, 21)).toEqual(c);
  });

  it("is deterministic, of size min(sub, n), distinct, drawn from the council, proposer first and next proposer second", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom(ProposerPolicy.RoundRobin, ProposerPolicy.Sticky),
        (n, sub, parentHash, lastIdx, round, policy) => {
          const c = council(n);
          const last = lastIdx < n ? c[lastIdx] : undefined;
          const a = committeeFor(c, parentHash, last, round, policy, sub);
          const b = committeeFor(c, parentHash, last, round, policy, sub);
          expect(a).toEqual(b);
          expect(a).toHaveLength(Math.min(sub, n));
          expect(new Set(a.map(bytesToHex)).size).toBe(a.length);
          for (const m of a) expect(isMember(c, m)).toBe(true);
          const proposer = selectProposer(c, last, round, policy);
          expect(isMember(a, proposer)).toBe(true);
          if (n > sub) {
            expect(a[0]).toEqual(proposer);
            if (sub >= 2) expect(a[1]).toEqual(selectProposer(c, last, round + 1, policy));
          }
        },
      ),
    );
  });

  it("depends on the parent hash when the council is larger than sub", () => {
    const c = council(20);
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const committee = committeeFor(c, new Uint8Array(32).fill(i), c[0], 0, ProposerPolicy.RoundRobin, 5);
      seen.add(committee.map(bytesToHex).join());
    }
    expect(seen.size).toBeGreaterThan(1);
  });
});

import { describe, expect, it } from "vitest";
import { ProposerPolicy, selectProposer } from "../src/proposer.js";

const vals = [1, 2, 3, 4].map((i) => new Uint8Array(20).fill(i));

describe("selectProposer", () => {
  it("round robin moves to the next validator each block and each round", () => {
    expect(selectProposer(vals, vals[0], 0, ProposerPolicy.RoundRobin)).toBe(vals[1]);
    expect(selectProposer(vals, vals[3], 0, ProposerPolicy.RoundRobin)).toBe(vals[0]);
    expect(selectProposer(vals, vals[0], 2, ProposerPolicy.RoundRobin)).toBe(vals[3]);
  });

  it("sticky keeps the proposer until a round change", () => {
    expect(selectProposer(vals, vals[2], 0, ProposerPolicy.Sticky)).toBe(vals[2]);
    expect(selectProposer(vals, vals[2], 1, ProposerPolicy.Sticky)).toBe(vals[3]);
  });

  it("without a previous proposer the round picks", () => {
    expect(selectProposer(vals, undefined, 0, ProposerPolicy.RoundRobin)).toBe(vals[0]);
    expect(selectProposer(vals, undefined, 5, ProposerPolicy.RoundRobin)).toBe(vals[1]);
    expect(() => selectProposer([], undefined, 0, ProposerPolicy.RoundRobin)).toThrow(RangeError);
  });
});

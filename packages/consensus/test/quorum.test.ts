import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maxFaulty, quorumSize } from "../src/quorum.js";

describe("quorum", () => {
  it("needs everyone below four members and ceil(2n/3) from four on", () => {
    expect([1, 2, 3].map(quorumSize)).toEqual([1, 2, 3]);
    expect(quorumSize(4)).toBe(3);
    expect(quorumSize(7)).toBe(5);
    expect(quorumSize(21)).toBe(14);
  });

  it("any two quorums share more than f members, so at least one honest one (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), (n) => {
        const q = quorumSize(n);
        const f = maxFaulty(n);
        // Two quorums drawn from n members overlap in at least 2q - n of them.
        expect(2 * q - n).toBeGreaterThan(f);
        expect(q).toBeLessThanOrEqual(n);
      }),
    );
  });
});

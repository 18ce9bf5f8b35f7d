import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkJustification, type PrepareView, type RoundChangeView } from "../src/core/justification.js";
import { quorumSize } from "../src/quorum.js";

const member = (i: number) => new Uint8Array(20).fill(i + 1);
const digestOf = (tag: number) => new Uint8Array(32).fill(tag);
const D_R0 = digestOf(0xa0);
const D_R1 = digestOf(0xa1);
const FRESH = digestOf(0xff);
const HEIGHT = 7n;
const ROUND = 2;

/** The rule written the slow, obvious way, as the oracle. */
function oracle(n: number, proposal: Uint8Array, rcs: RoundChangeView[], prepares: PrepareView[]): boolean {
  const committee = Array.from({ length: n }, (_, i) => member(i));
  const inCommittee = (a: Uint8Array) => committee.some((c) => c.every((x, i) => x === a[i]));
  const key = (a: Uint8Array) => Array.from(a).join(",");
  const q = quorumSize(n);
  if (rcs.some((r) => !inCommittee(r.signer) || r.round !== ROUND || r.height !== HEIGHT)) return false;
  if (new Set(rcs.map((r) => key(r.signer))).size !== rcs.length) return false;
  if (rcs.length < q) return false;
  const prepared = rcs.filter((r) => r.prepared).map((r) => r.prepared as { round: number; digest: Uint8Array });
  if (prepared.length === 0) return prepares.length === 0;
  const top = Math.max(...prepared.map((p) => p.round));
  const topDigests = new Set(prepared.filter((p) => p.round === top).map((p) => key(p.digest)));
  if (topDigests.size !== 1) return false;
  const want = [...topDigests][0];
  if (key(proposal) !== want) return false;
  if (prepares.some((p) => !inCommittee(p.signer) || p.round !== top || key(p.digest) !== want || p.height !== HEIGHT))
    return false;
  if (new Set(prepares.map((p) => key(p.signer))).size !== prepares.length) return false;
  return prepares.length >= q;
}

describe("checkJustification", () => {
  it("accepts exactly the valid justifications, exhaustively over senders for committees of 1..10", () => {
    let checked = 0;
    let accepted = 0;
    for (let n = 1; n <= 10; n++) {
      const ctx = { height: HEIGHT, round: ROUND, committeeOf: () => Array.from({ length: n }, (_, i) => member(i)) };
      const q = quorumSize(n);
      for (let mask = 0; mask < 1 << n; mask++) {
        const senders = Array.from({ length: n }, (_, i) => i).filter((i) => mask & (1 << i));
        for (let pattern = 0; pattern < 4; pattern++) {
          // Prepared rounds per sender: none, 0 or 1 (each round's certificate names one block).
          const rcs: RoundChangeView[] = senders.map((i) => {
            const pr = (i * 5 + mask + pattern * 7) % 3;
            const prepared = pattern === 0 || pr === 2 ? undefined : { round: pr, digest: pr === 0 ? D_R0 : D_R1 };
            return { signer: member(i), height: HEIGHT, round: ROUND, prepared };
          });
          const top = Math.max(-1, ...rcs.map((r) => r.prepared?.round ?? -1));
          for (const proposal of [D_R0, D_R1, FRESH]) {
            const certRound = Math.max(top, 0);
            const certDigest = certRound === 0 ? D_R0 : D_R1;
            const full = Array.from({ length: n }, (_, i) => ({
              signer: member(i),
              height: HEIGHT,
              round: certRound,
              digest: certDigest,
            }));
            const prepareSets: PrepareView[][] = [
              [],
              full.slice(0, q),
              full.slice(0, q - 1),
              [...full.slice(0, q), full[0]],
            ];
            for (const prepares of prepareSets) {
              const got = checkJustification(ctx, proposal, rcs, prepares).ok;
              expect(got, `n=${n} mask=${mask} pattern=${pattern}`).toBe(oracle(n, proposal, rcs, prepares));
              checked++;
              if (got) accepted++;
            }
          }
        }
      }
    }
    expect(accepted).toBeGreaterThan(1000);
    expect(checked - accepted).toBeGreaterThan(1000);
  });

  it("refuses foreign, duplicate and wrong-view round changes", () => {
    const ctx = { height: HEIGHT, round: ROUND, committeeOf: () => [0, 1, 2, 3].map(member) };
    const rc = (i: number, round = ROUND, height = HEIGHT) => ({ signer: member(i), height, round });
    expect(checkJustification(ctx, FRESH, [rc(0), rc(1), rc(2)], []).ok).toBe(true);
    expect(checkJustification(ctx, FRESH, [rc(0), rc(1), rc(9)], []).ok).toBe(false);
    expect(checkJustification(ctx, FRESH, [rc(0), rc(1), rc(1)], []).ok).toBe(false);
    expect(checkJustification(ctx, FRESH, [rc(0), rc(1), rc(2, 3)], []).ok).toBe(false);
    expect(checkJustification(ctx, FRESH, [rc(0), rc(1), rc(2, ROUND, 6n)], []).ok).toBe(false);
    expect(checkJustification({ ...ctx, round: 0 }, FRESH, [], []).ok).toBe(true);
    expect(checkJustification({ ...ctx, round: 0 }, FRESH, [rc(0)], []).ok).toBe(false);
  });

  it("a round-change set justifies a fresh block iff it is a quorum (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        (n, picks) => {
          const ctx = { height: HEIGHT, round: 1, committeeOf: () => Array.from({ length: n }, (_, i) => member(i)) };
          const rcs = picks.slice(0, n).flatMap((p, i) => (p ? [{ signer: member(i), height: HEIGHT, round: 1 }] : []));
          expect(checkJustification(ctx, FRESH, rcs, []).ok).toBe(rcs.length >= quorumSize(n));
        },
      ),
    );
  });
});

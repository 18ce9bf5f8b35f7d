import { concatBytes, equalBytes } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import { type ProposerPolicy, selectProposer } from "./proposer.js";

/** Domain tag so the committee shuffle never shares a stream with any other use of the parent hash. */
const SHUFFLE_TAG = new TextEncoder().encode("knode/committee");

/**
 * The committee deciding one block at one round, Klaytn's SubList: the whole council when it has at most
 * `sub` members, else the round's proposer, the next round's proposer (so a round change lands on a
 * member that already saw the round) and the rest drawn by a shuffle seeded from the parent hash. The
 * seed omits the round on purpose: consecutive rounds then differ only in the two proposer slots, which
 * keeps their quorums overlapping as much as the rotation allows.
 */
export function committeeFor(
  council: readonly Uint8Array[],
  parentHash: Uint8Array,
  lastProposer: Uint8Array | undefined,
  round: number,
  policy: ProposerPolicy,
  sub: number,
): Uint8Array[] {
  const n = council.length;
  if (n === 0) throw new RangeError("empty council");
  if (!Number.isInteger(sub) || sub < 1) throw new RangeError(`committee size ${sub} must be a positive integer`);
  if (n <= sub) return council.slice();
  const proposer = selectProposer(council, lastProposer, round, policy);
  const pIdx = indexOf(council, proposer);
  let nIdx = indexOf(council, selectProposer(council, lastProposer, round + 1, policy));
  if (nIdx === pIdx) nIdx = (pIdx + 1) % n;
  const committee = [proposer];
  if (sub >= 2) committee.push(council[nIdx]);
  for (const i of shuffledIndexes(n, parentHash)) {
    if (committee.length >= sub) break;
    if (i !== pIdx && i !== nIdx) committee.push(council[i]);
  }
  return committee;
}

function indexOf(council: readonly Uint8Array[], a: Uint8Array): number {
  return council.findIndex((v) => equalBytes(v, a));
}

/** Fisher–Yates over 0..n-1 driven by a keccak stream; deterministic for a given seed. */
export function shuffledIndexes(n: number, seed: Uint8Array): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  let block = keccak256(concatBytes(SHUFFLE_TAG, seed));
  let pos = 0;
  for (let i = n - 1; i > 0; i--) {
    if (pos + 4 > block.length) {
      block = keccak256(block);
      pos = 0;
    }
    const word = ((block[pos] << 24) | (block[pos + 1] << 16) | (block[pos + 2] << 8) | block[pos + 3]) >>> 0;
    pos += 4;
    const j = word % (i + 1);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

export function isMember(committee: readonly Uint8Array[], a: Uint8Array): boolean {
  return committee.some((v) => equalBytes(v, a));
}

/**
 * Number of matching commits (or prepares) needed to decide. Below four members the committee cannot
 * tolerate a fault, so everyone must agree; from four on, ceil(2n/3) guarantees that any two quorums
 * share at least f+1 members, one of them honest (n ≥ 3f+1). Used live and when verifying imports.
 */
export function quorumSize(committeeSize: number): number {
  if (committeeSize < 4) return committeeSize;
  return Math.ceil((2 * committeeSize) / 3);
}

/** Faults tolerated by a committee of n: the largest f with 3f+1 ≤ n. */
export function maxFaulty(committeeSize: number): number {
  return Math.floor((committeeSize - 1) / 3);
}

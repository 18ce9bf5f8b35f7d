import { equalBytes } from "@knode/common";

export enum ProposerPolicy {
  RoundRobin = 0,
  Sticky = 1,
  /** Klaytn's stake-weighted policy; knode has no staking, so it behaves as uniform RoundRobin. */
  WeightedRandom = 2,
}

/**
 * Istanbul proposer choice. The seed is the position of the previous block's proposer plus the round;
 * RoundRobin moves one further so that each block passes to the next validator, Sticky keeps the same
 * proposer while it keeps succeeding. With no previous proposer (the block after genesis) the round alone
 * picks.
 */
export function selectProposer(
  validators: readonly Uint8Array[],
  lastProposer: Uint8Array | undefined,
  round: number,
  policy: ProposerPolicy,
): Uint8Array {
  if (validators.length === 0) throw new RangeError("empty validator set");
  let seed: number;
  const offset = lastProposer ? validators.findIndex((v) => equalBytes(v, lastProposer)) : -1;
  if (offset < 0) {
    seed = round;
  } else if (policy === ProposerPolicy.Sticky) {
    seed = offset + round;
  } else {
    seed = offset + round + 1;
  }
  return validators[seed % validators.length];
}

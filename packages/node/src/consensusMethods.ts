import type { Chain } from "@knode/chain";
import { bytesToHex, errorMessage, toQuantity } from "@knode/common";
import type { GovernanceState } from "@knode/consensus";
import { addressToHex } from "@knode/crypto";
import { klayFormatter, type MethodTable, method, type RpcBackend, RpcError, validators } from "@knode/rpc";
import type { Header } from "@knode/types";

const { blockNumberTag, optional, rawValue } = validators;

/** Klaytn's answer to governance_vote, kept verbatim because tooling greps for it. */
const VOTE_ACCEPTED =
  "Your vote is prepared. It will be put into the block header or applied when your node generates a block as a proposer. Note that your vote may be duplicate.";

export interface ConsensusMethodsModules {
  chain: Chain;
  backend: RpcBackend;
  governance: GovernanceState;
}

/**
 * The istanbul_, governance_ and consensus-flavoured klay_ methods: views of the council, committee and
 * votes derived from headers (GovernanceState), plus voting on the governing node.
 */
export function consensusMethods({ chain, backend, governance }: ConsensusMethodsModules): MethodTable {
  async function headerAt(ref: unknown): Promise<{ header: Header; hash: Uint8Array; parent?: Header }> {
    const n = await backend.resolveBlockNumber((ref ?? "latest") as Parameters<RpcBackend["resolveBlockNumber"]>[0]);
    const found = n === undefined ? undefined : await chain.getHeaderByNumber(n);
    if (!found) throw new RpcError(-32000, "block not found");
    const parent =
      found.header.number > 0n ? (await chain.getHeaderByNumber(found.header.number - 1n))?.header : undefined;
    return { ...found, parent };
  }
  const addresses = (list: Uint8Array[]) => list.map(addressToHex);
  const tag = optional(blockNumberTag);

  return {
    governance_vote: method([validators.rawValue, rawValue], ([key, value]) => {
      if (typeof key !== "string") throw new RpcError(-32602, "invalid argument 0: key must be a string");
      try {
        governance.vote(key, value);
      } catch (e) {
        throw new RpcError(-32000, errorMessage(e));
      }
      return VOTE_ACCEPTED;
    }),
    governance_showTally: method([], () =>
      governance.tally().map((t) => ({ Key: t.key, Value: t.value, ApprovalPercentage: t.approvalPercentage })),
    ),
    governance_pendingVotes: method([], () => governance.pendingVotes()),
    istanbul_getValidators: method([tag], async ([ref]) =>
      addresses(governance.councilAfter((await headerAt(ref)).header)),
    ),
    istanbul_getSnapshot: method([tag], async ([ref]) => {
      const { header } = await headerAt(ref);
      const snap = await governance.snapshot(header.number);
      if (!snap) throw new RpcError(-32000, "snapshot not found");
      return {
        number: toQuantity(snap.number),
        hash: bytesToHex(snap.hash),
        validators: addresses(snap.validators),
        policy: snap.policy,
        subGroupSize: snap.sub,
        votes: snap.votes.map((v) => ({
          validator: addressToHex(v.validator),
          key: v.key,
          value: v.value,
          blockNumber: toQuantity(v.number),
        })),
      };
    }),
    klay_getCouncil: method([tag], async ([ref]) => addresses(governance.councilAt((await headerAt(ref)).header))),
    klay_getCouncilSize: method([tag], async ([ref]) => governance.councilAt((await headerAt(ref)).header).length),
    klay_getCommittee: method([tag], async ([ref]) => {
      const { header, parent } = await headerAt(ref);
      return addresses(governance.consensusInfo(header, parent).committee);
    }),
    klay_getCommitteeSize: method([tag], async ([ref]) => {
      const { header, parent } = await headerAt(ref);
      return governance.consensusInfo(header, parent).committee.length;
    }),
    klay_getBlockWithConsensusInfoByNumber: method([tag], async ([ref]) => {
      const { header, hash, parent } = await headerAt(ref);
      const full = await backend.getBlockByHash(hash);
      if (!full) throw new RpcError(-32000, "block not found");
      const info = governance.consensusInfo(header, parent);
      const json = klayFormatter.block(full, true) as Record<string, unknown>;
      return {
        ...json,
        committee: addresses(info.committee),
        committers: addresses(info.committers),
        proposer: info.proposer ? addressToHex(info.proposer) : null,
        round: info.round,
      };
    }),
  };
}

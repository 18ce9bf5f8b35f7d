import type { BatchOp, KvStore } from "@knode/db";
import { buildGenesisState, EMPTY_TRIE_ROOT } from "@knode/state";
import { EMPTY_BLOOM, type GenesisSpec, type Header } from "@knode/types";

const ZERO_HASH = new Uint8Array(32);
const ZERO_ADDRESS = new Uint8Array(20);

/** The genesis header and the state writes that back it. */
export async function buildGenesis(kv: KvStore, spec: GenesisSpec): Promise<{ header: Header; stateOps: BatchOp[] }> {
  const { stateRoot, ops } = await buildGenesisState(kv, spec.alloc);
  const header: Header = {
    parentHash: ZERO_HASH,
    rewardbase: ZERO_ADDRESS,
    stateRoot,
    txRoot: EMPTY_TRIE_ROOT,
    receiptsRoot: EMPTY_TRIE_ROOT,
    logsBloom: EMPTY_BLOOM,
    blockScore: spec.blockScore,
    number: 0n,
    gasUsed: 0n,
    timestamp: spec.timestamp,
    timestampFoS: 0,
    extraData: spec.extraData,
    governanceData: spec.governanceData,
    voteData: new Uint8Array(0),
    baseFee: spec.config.unitPrice,
  };
  return { header, stateOps: ops };
}

import type { Header } from "@knode/types";

/** A plain header at `number` (zero roots, no Istanbul extra): enough for encoding and relay checks. */
export function header(number: bigint): Header {
  const h32 = new Uint8Array(32);
  return {
    parentHash: h32,
    rewardbase: new Uint8Array(20),
    stateRoot: h32,
    txRoot: h32,
    receiptsRoot: h32,
    logsBloom: new Uint8Array(256),
    blockScore: 1n,
    number,
    gasUsed: 0n,
    timestamp: number,
    timestampFoS: 0,
    extraData: new Uint8Array(0),
    governanceData: new Uint8Array(0),
    voteData: new Uint8Array(0),
    baseFee: 25n,
  };
}

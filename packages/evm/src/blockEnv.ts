import { type Block, createBlock } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { Address } from "@ethereumjs/util";

/**
 * Klaytn has no block gas limit; it reports params.UpperGasLimit (999,999,999,999 = 0xe8d4a50fff) where a
 * header gas limit is expected. We use the same number as the GASLIMIT opcode value, the per-block budget
 * and the largest tx gas the pool admits, so contracts and tooling see what they would see on Klaytn.
 */
export const KNODE_BLOCK_GAS_LIMIT = 0xe8d4a50fffn;

/** What the EVM sees of the block being executed. */
export interface BlockEnv {
  number: bigint;
  timestamp: bigint;
  /** The rewardbase: COINBASE opcode value and recipient of the priority fees. */
  coinbase: Uint8Array;
  baseFee: bigint;
  gasLimit: bigint;
  /** PREVRANDAO; zeros when absent (knode blocks carry no randomness yet). */
  prevRandao?: Uint8Array;
  /**
   * Hash of an ancestor for BLOCKHASH (only asked for the 256 blocks below `number`). Optional knode
   * extension: without it BLOCKHASH returns zero.
   */
  getBlockHash?: (number: bigint) => Promise<Uint8Array | undefined>;
}

const ZERO_32 = new Uint8Array(32);

/**
 * The ethereumjs block that runTx and the interpreter read the environment from. Cancun header fields
 * Klaytn lacks are zero: excessBlobGas (blob txs are not supported) and parentBeaconBlockRoot.
 */
export function toEthBlock(env: BlockEnv, common: Common): Block {
  return createBlock(
    {
      header: {
        number: env.number,
        timestamp: env.timestamp,
        coinbase: new Address(env.coinbase),
        baseFeePerGas: env.baseFee,
        gasLimit: env.gasLimit,
        mixHash: env.prevRandao ?? ZERO_32,
        excessBlobGas: 0n,
        blobGasUsed: 0n,
        parentBeaconBlockRoot: ZERO_32,
      },
    },
    { common, skipConsensusFormatValidation: true },
  );
}

/**
 * The chain's data shapes. Bytes are Uint8Array (addresses 20 bytes, hashes 32), integers are bigint
 * except small counters. Codecs for these live beside this file; nothing here depends on a library type,
 * so every layer above can share them.
 */

export type Address = Uint8Array;
export type Hash = Uint8Array;

export type AccessList = { address: Address; storageKeys: Hash[] }[];

export enum TxType {
  Legacy = 0,
  AccessList = 1,
  DynamicFee = 2,
}

/**
 * A transaction decoded once from its canonical bytes. `raw` is exactly what was signed and sent, `hash`
 * is keccak(raw). `sender` is filled in by whoever recovers it (pool admission or block import) so that a
 * signature is never recovered twice.
 */
export interface Transaction {
  type: TxType;
  /** Absent for pre-EIP-155 legacy transactions. */
  chainId?: bigint;
  nonce: bigint;
  /** Legacy and EIP-2930. For EIP-1559 this equals maxFeePerGas. */
  gasPrice: bigint;
  /** EIP-1559 only; for other types both equal gasPrice. */
  maxPriorityFeePerGas: bigint;
  maxFeePerGas: bigint;
  gasLimit: bigint;
  to: Address | null;
  value: bigint;
  data: Uint8Array;
  accessList: AccessList;
  /** Legacy: 27/28 or chainId*2+35/36. Typed: the y-parity 0/1. */
  v: bigint;
  r: bigint;
  s: bigint;
  raw: Uint8Array;
  hash: Hash;
  sender?: Address;
}

export interface Log {
  address: Address;
  topics: Hash[];
  data: Uint8Array;
}

/** The consensus part of a receipt, committed to by receiptsRoot. */
export interface Receipt {
  txType: TxType;
  /** 1 success, 0 failure (post-Byzantium status). */
  status: 0 | 1;
  cumulativeGasUsed: bigint;
  logsBloom: Uint8Array;
  logs: Log[];
}

/**
 * What we store per transaction beside the consensus receipt, so RPC can answer without
 * re-execution: gas used by this tx alone, the price actually paid and the created contract.
 */
export interface StoredReceipt extends Receipt {
  gasUsed: bigint;
  effectiveGasPrice: bigint;
  contractAddress: Address | null;
}

/** Klaytn header, RLP field order of SPEC §3. */
export interface Header {
  parentHash: Hash;
  rewardbase: Address;
  stateRoot: Hash;
  txRoot: Hash;
  receiptsRoot: Hash;
  logsBloom: Uint8Array;
  blockScore: bigint;
  number: bigint;
  gasUsed: bigint;
  timestamp: bigint;
  timestampFoS: number;
  extraData: Uint8Array;
  governanceData: Uint8Array;
  voteData: Uint8Array;
  /** Present from Magma on; knode chains always carry it. */
  baseFee?: bigint;
  /** Post-Randao only (decoding Klaytn vectors); knode does not produce them yet. */
  randomReveal?: Uint8Array;
  mixHash?: Uint8Array;
}

export interface Block {
  header: Header;
  transactions: Transaction[];
}

/** The Istanbul part of `extraData` after the 32-byte vanity. */
export interface IstanbulExtra {
  vanity: Uint8Array;
  validators: Address[];
  /** 65 bytes r‖s‖recid, or empty before sealing. */
  seal: Uint8Array;
  committedSeals: Uint8Array[];
}

export interface GenesisAccount {
  balance: bigint;
  nonce?: bigint;
  code?: Uint8Array;
  /** slot → value, both 32-byte words. */
  storage?: Map<string, Uint8Array>;
}

export interface ChainConfig {
  chainId: bigint;
  istanbul: { epoch: bigint; policy: 0 | 1 | 2; sub: number };
  governance: {
    governanceMode: "none" | "single" | "ballot";
    /** Lowercase 0x address of the node allowed to vote in mode "single". */
    governingNode: string;
    reward: { mintingAmount: bigint; ratio: string };
  };
  /** Klaytn's fixed gas price before Magma; knode uses it as the (constant) base fee. */
  unitPrice: bigint;
  /** knode extension: target block interval in seconds (SPEC `--block-period`), default 1. */
  blockPeriod: number;
}

export interface GenesisSpec {
  config: ChainConfig;
  timestamp: bigint;
  extraData: Uint8Array;
  governanceData: Uint8Array;
  blockScore: bigint;
  /** Lowercase 0x address → account. */
  alloc: Map<string, GenesisAccount>;
}

/** eth_call / eth_estimateGas arguments after validation; absent fields take geth's defaults. */
export interface CallArgs {
  from?: Uint8Array;
  to?: Uint8Array | null;
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  value?: bigint;
  data?: Uint8Array;
  nonce?: bigint;
  accessList?: AccessList;
}

/**
 * What a block proposer asks the chain to build on its head (the seam between consensus and chain, which
 * sit side by side and so share the shape through this lower layer).
 */
export interface ProposalRequest {
  parentHash: Uint8Array;
  timestamp: bigint;
  timestampFoS: number;
  rewardbase: Uint8Array;
  extraData: Uint8Array;
  voteData: Uint8Array;
  governanceData: Uint8Array;
  txs: Transaction[];
  /** Wall-clock time (ms since epoch) after which no further transaction is added. */
  deadlineMs: number;
}

import { ethFormatter } from "./format/ethFormat.js";
import type { Formatter } from "./format/formatter.js";
import { klayFormatter } from "./format/klayFormat.js";
import type { RpcBackend } from "./interface.js";
import { keccak256 } from "./keccak.js";
import { chainMethods } from "./methods/chainMethods.js";
import { feeHistoryMethods } from "./methods/feeHistory.js";
import type { Keccak } from "./methods/logFilter.js";
import { logMethods } from "./methods/logMethods.js";
import { ethOnlyMethods, netMethods, txpoolMethods, web3Methods } from "./methods/miscMethods.js";
import { stateMethods } from "./methods/stateMethods.js";
import { subscribeMethods } from "./methods/subscribeMethods.js";
import type { MethodTable } from "./methodTable.js";

export interface MethodTableOptions {
  /** The node's (native) keccak256; a pure-JS fallback serves web3_sha3, checksums and log blooms otherwise. */
  keccak256?: Keccak;
}

function prefixed(prefix: string, table: MethodTable): MethodTable {
  const out: MethodTable = {};
  for (const [name, def] of Object.entries(table)) out[`${prefix}_${name}`] = def;
  return out;
}

/** The methods both `eth_` and `klay_` serve, rendered with that namespace's formatter. */
function namespaceMethods(backend: RpcBackend, fmt: Formatter, keccak: Keccak): MethodTable {
  return {
    ...stateMethods(backend),
    ...chainMethods(backend, fmt),
    ...logMethods(backend, keccak),
    ...feeHistoryMethods(backend),
    ...subscribeMethods(fmt.flavor),
  };
}

/**
 * Every method this package serves, built once. Namespaces the node adds (admin, istanbul, governance)
 * are merged in by spreading their own MethodTable fragments over the result.
 */
export function buildMethodTable(backend: RpcBackend, opts: MethodTableOptions = {}): MethodTable {
  const keccak = opts.keccak256 ?? keccak256;
  const eth = prefixed("eth", namespaceMethods(backend, ethFormatter, keccak));
  const klay = prefixed("klay", namespaceMethods(backend, klayFormatter, keccak));
  // Klaytn spells it klay_chainID; caver-js and older tools call that name.
  klay.klay_chainID = klay.klay_chainId;
  return {
    ...eth,
    ...ethOnlyMethods(backend),
    ...klay,
    ...netMethods(backend),
    ...web3Methods(backend, keccak),
    ...txpoolMethods(backend, keccak),
  };
}

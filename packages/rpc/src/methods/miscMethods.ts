import { bytesToHex, toQuantity, utf8ToBytes } from "@knode/common";
import type { Transaction } from "@knode/types";
import { ethTransaction } from "../format/ethFormat.js";
import type { RpcBackend } from "../interface.js";
import { type MethodTable, method } from "../methodTable.js";
import { blockNumberTag, bytes, hash32 } from "../validators.js";
import type { Keccak } from "./logFilter.js";

/** EIP-55 mixed-case address, as geth keys txpool_content. */
export function checksumAddress(addr: string, keccak: Keccak): string {
  const lower = addr.toLowerCase().replace(/^0x/, "");
  const h = keccak(utf8ToBytes(lower));
  let out = "0x";
  for (let i = 0; i < lower.length; i++) {
    const nibble = (h[i >> 1] >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? lower[i].toUpperCase() : lower[i];
  }
  return out;
}

function poolSection(section: Map<string, Transaction[]>, keccak: Keccak): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [sender, txs] of section) {
    const byNonce: Record<string, unknown> = {};
    for (const tx of txs) byNonce[tx.nonce.toString()] = ethTransaction(tx, null);
    out[checksumAddress(sender, keccak)] = byNonce;
  }
  return out;
}

export function netMethods(backend: RpcBackend): MethodTable {
  return {
    net_version: method([], () => backend.networkId.toString()),
    net_peerCount: method([], () => toQuantity(backend.peerCount())),
    net_listening: method([], () => backend.listening()),
  };
}

export function web3Methods(backend: RpcBackend, keccak: Keccak): MethodTable {
  return {
    web3_clientVersion: method([], () => backend.clientVersion),
    web3_sha3: method([bytes], ([data]) => bytesToHex(keccak(data))),
  };
}

export function txpoolMethods(backend: RpcBackend, keccak: Keccak): MethodTable {
  return {
    txpool_status: method([], () => {
      const s = backend.txpoolStatus();
      return { pending: toQuantity(s.pending), queued: toQuantity(s.queued) };
    }),
    txpool_content: method([], () => {
      const c = backend.txpoolContent();
      return { pending: poolSection(c.pending, keccak), queued: poolSection(c.queued, keccak) };
    }),
  };
}

/** Proof-of-work leftovers that Ethereum tooling still calls; Klaytn has no uncles and no miners. */
export function ethOnlyMethods(backend: RpcBackend): MethodTable {
  const uncleCount = async (found: boolean) => (found ? "0x0" : null);
  return {
    eth_accounts: method([], () => []),
    eth_mining: method([], () => false),
    eth_hashrate: method([], () => "0x0"),
    eth_getUncleCountByBlockNumber: method([blockNumberTag], async ([ref]) =>
      uncleCount((await backend.resolveBlockNumber(ref)) !== undefined),
    ),
    eth_getUncleCountByBlockHash: method([hash32], async ([hash]) =>
      uncleCount((await backend.getBlockByHash(hash)) !== undefined),
    ),
  };
}

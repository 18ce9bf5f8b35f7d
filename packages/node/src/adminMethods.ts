import { bytesToHex, toQuantity } from "@knode/common";
import { addressToHex } from "@knode/crypto";
import type { P2PNetwork } from "@knode/p2p";
import { type MethodTable, method, RpcError, validators } from "@knode/rpc";

/** admin_ and the peer-aware net_ methods (SPEC §6): who we are and whom we talk to. */
export function adminMethods(p2p: P2PNetwork, self: { address: Uint8Array; validator: boolean }): MethodTable {
  return {
    admin_nodeInfo: method([], () => {
      const info = p2p.nodeInfo();
      return {
        id: info.id,
        role: info.role,
        p2p: info.p2p,
        ...(self.validator ? { validator: addressToHex(self.address) } : {}),
      };
    }),
    admin_peers: method([], () =>
      p2p.peers().map((p) => ({
        id: p.id,
        role: p.role,
        remoteAddress: p.remoteAddress,
        address: addressToHex(p.address),
        head: { number: toQuantity(p.head.number), hash: bytesToHex(p.head.hash) },
        direction: p.direction,
      })),
    ),
    admin_addPeer: method([validators.rawValue], ([addr]) => {
      if (typeof addr !== "string") throw new RpcError(-32602, "invalid argument 0: expected a multiaddr string");
      try {
        p2p.addPeer(addr);
      } catch (e) {
        throw new RpcError(-32000, (e as Error).message);
      }
      return true;
    }),
    net_peerCountByType: method([], () => {
      const counts = { cn: 0, pn: 0, en: 0 };
      for (const p of p2p.peers()) counts[p.role]++;
      return { ...counts, total: counts.cn + counts.pn + counts.en };
    }),
  };
}

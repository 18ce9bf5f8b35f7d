import { equalBytes } from "@knode/common";
import type { PeerRole } from "./interface.js";

export type TopologyVerdict = { ok: true } | { ok: false; reason: string };

const OK: TopologyVerdict = { ok: true };

/**
 * SPEC §5: CN ↔ council CN and CN ↔ PN; PN ↔ anyone; EN ↔ PN/EN. Both ends run this, so a misconfigured
 * or lying peer is refused even when its own side would have accepted. Only a CN checks the council: it is
 * the only role for which a false CN claim matters (consensus traffic) and whose council view is current.
 */
export function checkTopology(
  local: PeerRole,
  remote: PeerRole,
  remoteAddress: Uint8Array,
  council: readonly Uint8Array[],
): TopologyVerdict {
  if (local === "cn") {
    if (remote === "en") return { ok: false, reason: "CN does not accept EN peers" };
    if (remote === "cn" && !council.some((a) => equalBytes(a, remoteAddress))) {
      return { ok: false, reason: "peer claims CN but is not in the council" };
    }
    return OK;
  }
  if (local === "en" && remote === "cn") return { ok: false, reason: "EN does not connect to CN" };
  return OK;
}

/** Gossip kinds a role subscribes to by default: consensus stays among CNs, everyone follows blocks. */
export function defaultGossipKinds(role: PeerRole): Array<"consensus" | "block" | "tx"> {
  return role === "cn" ? ["consensus", "block", "tx"] : ["block", "tx"];
}

import { readFileSync } from "node:fs";
import { errorMessage } from "@knode/common";
import { multiaddr } from "@multiformats/multiaddr";
import { P2PError, P2PErrorCode } from "./errors.js";

/**
 * Reads klay/static-nodes.json: a JSON array of libp2p multiaddrs, each ending in `/p2p/<id>`.
 * A missing file means no static peers; a malformed one is an operator error worth stopping for.
 */
export function readStaticNodes(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new P2PError({ code: P2PErrorCode.STATIC_NODES_INVALID, path, reason: errorMessage(err) });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new P2PError({ code: P2PErrorCode.STATIC_NODES_INVALID, path, reason: errorMessage(err) });
  }
  if (!Array.isArray(parsed)) {
    throw new P2PError({ code: P2PErrorCode.STATIC_NODES_INVALID, path, reason: "not a JSON array" });
  }
  return parsed.map((entry, i) => {
    if (typeof entry !== "string" || !isDialableMultiaddr(entry)) {
      throw new P2PError({
        code: P2PErrorCode.STATIC_NODES_INVALID,
        path,
        reason: `entry ${i} is not a multiaddr with /p2p/<id>`,
      });
    }
    return entry;
  });
}

/** True for a parseable multiaddr carrying a peer id, i.e. something we can dial and authenticate. */
export function isDialableMultiaddr(s: string): boolean {
  try {
    return multiaddr(s)
      .getComponents()
      .some((c) => c.name === "p2p" && c.value !== undefined);
  } catch {
    return false;
  }
}

/** The `/p2p/<id>` of a multiaddr, or undefined. */
export function peerIdOfMultiaddr(s: string): string | undefined {
  try {
    return multiaddr(s)
      .getComponents()
      .findLast((c) => c.name === "p2p")?.value;
  } catch {
    return undefined;
  }
}

import { type Header, setCommittedSeals, setHeaderRound } from "@knode/types";
import type { CommitMessage } from "../messages/consensusMessage.js";

/**
 * The header as stored: the round byte set to the round the commit quorum formed in (it is outside the
 * hash, so a re-proposed block keeps its digest) and the committed seals in committee order.
 */
export function finalizeHeader(header: Header, round: number, commits: readonly CommitMessage[]): Header {
  return setCommittedSeals(
    setHeaderRound(header, round),
    commits.map((c) => c.committedSeal),
  );
}

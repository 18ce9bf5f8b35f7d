import { equalBytes, errorMessage } from "@knode/common";
import { headerHash, headerRound, recoverProposer } from "@knode/types";
import type { PreprepareMessage, RoundChangeMessage } from "../messages/consensusMessage.js";
import type { ProposerPolicy } from "../proposer.js";
import { checkTimestamp, checkValidators, isProposerUpTo } from "../verify.js";
import type { HeightState } from "./heightState.js";
import { checkJustification, checkPreparedCertificate } from "./justification.js";

/**
 * Consensus checks of a PREPREPARE for the current view, before execution: the sender is the round's
 * proposer, the block extends our head with the derived council, its time is sane, the justification
 * holds (QBFT), and the seal belongs to the proposer of the round it was built in (the current round for a
 * fresh block, an earlier one for a re-proposed prepared block). Returns the reason it fails, or undefined.
 */
export function checkPreprepare<P>(
  s: HeightState<P>,
  m: PreprepareMessage,
  policy: ProposerPolicy,
  nowMs: number,
): string | undefined {
  if (!equalBytes(m.signer, s.proposerOf(m.round))) return "sender is not the proposer of the round";
  const h = m.block.header;
  if (h.number !== s.height || !equalBytes(h.parentHash, s.parentHash)) return "block does not extend the head";
  if (h.blockScore !== 1n) return "block score is not 1";
  try {
    checkTimestamp(h, s.parent, nowMs);
    checkValidators(h, s.council);
  } catch (e) {
    return errorMessage(e);
  }
  const j = checkJustification(
    { height: s.height, round: m.round, committeeOf: (r) => s.committeeOf(r) },
    m.digest,
    m.justification?.roundChanges ?? [],
    m.justification?.prepares ?? [],
  );
  if (!j.ok) return `bad justification: ${j.reason}`;
  const builtIn = headerRound(h);
  let sealer: Uint8Array;
  try {
    sealer = recoverProposer(h);
  } catch (e) {
    return `bad proposer seal: ${errorMessage(e)}`;
  }
  if (j.reproposal) {
    if (builtIn > m.round || !isProposerUpTo(s.council, s.lastProposer, builtIn, policy, sealer)) {
      return "re-proposed block was not sealed by a proposer of its round";
    }
  } else if (builtIn !== m.round || !equalBytes(sealer, m.signer)) {
    return "block is not sealed by the proposer for this round";
  }
  return undefined;
}

/** A ROUNDCHANGE that claims a prepared block must carry that block and a valid prepare quorum for it. */
export function checkRoundChangeCertificate<P>(s: HeightState<P>, m: RoundChangeMessage): string | undefined {
  if (!m.prepared) return m.certificate ? "certificate without a prepared round" : undefined;
  const c = m.certificate;
  if (!c) return "prepared round without a certificate";
  if (!equalBytes(headerHash(c.block.header), m.prepared.digest)) return "certificate block does not match";
  if (c.block.header.number !== s.height) return "certificate block for another height";
  const r = checkPreparedCertificate(s.height, m.prepared, c.prepares, s.committeeOf(m.prepared.round));
  return r.ok ? undefined : r.reason;
}

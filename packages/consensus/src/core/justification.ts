import { bytesToHex, equalBytes } from "@knode/common";
import { isMember } from "../committee.js";
import type { PreparedRef } from "../messages/consensusMessage.js";
import { quorumSize } from "../quorum.js";

/** The signed facts of a ROUNDCHANGE that the rule looks at. */
export interface RoundChangeView {
  signer: Uint8Array;
  height: bigint;
  round: number;
  prepared?: PreparedRef;
}

/** The signed facts of a PREPARE. */
export interface PrepareView {
  signer: Uint8Array;
  height: bigint;
  round: number;
  digest: Uint8Array;
}

export interface JustificationContext {
  height: bigint;
  /** The round of the proposal being justified. */
  round: number;
  committeeOf(round: number): readonly Uint8Array[];
}

export type JustificationResult =
  | { ok: true /** The prepared block the proposal had to carry, if any. */; reproposal?: PreparedRef }
  | { ok: false; reason: string };

/**
 * QBFT's proposal justification. Round 0 needs none. A proposal for round r > 0 needs ROUNDCHANGE(r) from
 * a quorum of distinct members of the round-r committee; if any of them reports a prepared block, the
 * proposal must carry the one prepared in the highest round, and a quorum of PREPAREs for it from that
 * round's committee must come along. Any two quorums share an honest member, so a block that may have
 * been committed is always among the certificates and wins — which is what lets a locked node follow a new
 * proposer instead of stalling. Strict: a malformed, foreign or surplus piece of evidence fails the rule.
 */
export function checkJustification(
  ctx: JustificationContext,
  proposalDigest: Uint8Array,
  roundChanges: readonly RoundChangeView[],
  prepares: readonly PrepareView[],
): JustificationResult {
  if (ctx.round === 0) {
    if (roundChanges.length !== 0 || prepares.length !== 0) return fail("round 0 takes no justification");
    return { ok: true };
  }
  const committee = ctx.committeeOf(ctx.round);
  const senders = new Set<string>();
  let highest: PreparedRef | undefined;
  for (const rc of roundChanges) {
    if (rc.height !== ctx.height || rc.round !== ctx.round) return fail("round change for another view");
    if (!isMember(committee, rc.signer)) return fail("round change from a non-member");
    const key = bytesToHex(rc.signer);
    if (senders.has(key)) return fail("duplicate round-change sender");
    senders.add(key);
    const p = rc.prepared;
    if (!p) continue;
    if (p.round >= ctx.round) return fail("prepared round not below the proposal round");
    if (!highest || p.round > highest.round) highest = p;
    else if (p.round === highest.round && !equalBytes(p.digest, highest.digest)) {
      return fail("conflicting certificates for one round");
    }
  }
  if (senders.size < quorumSize(committee.length)) return fail("round changes short of a quorum");
  if (!highest) {
    if (prepares.length !== 0) return fail("prepares without a prepared round change");
    return { ok: true };
  }
  if (!equalBytes(proposalDigest, highest.digest)) return fail("proposal is not the highest prepared block");
  const cert = checkPreparedCertificate(ctx.height, highest, prepares, ctx.committeeOf(highest.round));
  if (!cert.ok) return cert;
  return { ok: true, reproposal: highest };
}

/**
 * A prepared certificate: PREPAREs for (height, prepared.round, prepared.digest) from a quorum of distinct
 * members of that round's committee, and nothing else.
 */
export function checkPreparedCertificate(
  height: bigint,
  prepared: PreparedRef,
  prepares: readonly PrepareView[],
  committee: readonly Uint8Array[],
): JustificationResult {
  const senders = new Set<string>();
  for (const p of prepares) {
    if (p.height !== height || p.round !== prepared.round || !equalBytes(p.digest, prepared.digest)) {
      return fail("prepare for another view or block");
    }
    if (!isMember(committee, p.signer)) return fail("prepare from a non-member");
    const key = bytesToHex(p.signer);
    if (senders.has(key)) return fail("duplicate prepare sender");
    senders.add(key);
  }
  if (senders.size < quorumSize(committee.length)) return fail("prepares short of a quorum");
  return { ok: true };
}

function fail(reason: string): JustificationResult {
  return { ok: false, reason };
}

import { bytesKey } from "@knode/common";
import { recoverAddress, type SignatureJob, type SigVerifier } from "@knode/crypto";
import { commitSealDigest, type RlpValue, rlpDecode, rlpSplitList } from "@knode/types";
import {
  MAX_CONSENSUS_MESSAGE_BYTES,
  MAX_JUSTIFICATION_ENTRIES,
  MessageCode,
  messageSigningHash,
} from "./consensusMessage.js";
import type { SignerSource } from "./signerSource.js";

function jobKey(hash: Uint8Array, signature: Uint8Array): string {
  return bytesKey(hash) + bytesKey(signature);
}

/**
 * Signers recovered ahead of decoding. A pair it holds answers from the table (an invalid signature
 * throws, as recovery would); any other pair is recovered on the spot, so a table that missed something
 * costs time, never correctness.
 */
export class RecoveredSigners implements SignerSource {
  private readonly table = new Map<string, Uint8Array | null>();
  private hits = 0;

  constructor(jobs: SignatureJob[], results: (Uint8Array | null)[]) {
    for (let i = 0; i < jobs.length; i++) this.table.set(jobKey(jobs[i].hash, jobs[i].signature), results[i] ?? null);
  }

  recover(hash: Uint8Array, signature: Uint8Array): Uint8Array {
    const found = this.table.get(jobKey(hash, signature));
    if (found === undefined) return recoverAddress(hash, signature);
    this.hits++;
    if (found === null) throw new Error("invalid signature");
    return found;
  }

  /** How many recoveries were answered from the table (for tests and metrics). */
  get answered(): number {
    return this.hits;
  }
}

/**
 * The (hash, signature) pairs decoding `bytes` will recover: the envelope's signature, a commit's seal, and
 * those of nested justification envelopes. Lenient by design: it stops at the first malformed part and
 * returns what it found, because the strict decoder runs next and rejects the message with a precise error.
 */
export function consensusSignatureJobs(bytes: Uint8Array): SignatureJob[] {
  const jobs: SignatureJob[] = [];
  if (bytes.length > MAX_CONSENSUS_MESSAGE_BYTES) return jobs;
  try {
    collectEnvelope(bytes, jobs, false);
  } catch {
    // Malformed: the decoder reports it.
  }
  return jobs;
}

function collectEnvelope(bytes: Uint8Array, jobs: SignatureJob[], nested: boolean): void {
  const items = rlpSplitList(bytes);
  if (items.length !== 4) return;
  const code = numberOf(rlpDecode(items[0]));
  const signature = rlpDecode(items[2]);
  if (code === undefined || code > MessageCode.RoundChange || !isBytes(signature, 65)) return;
  jobs.push({ hash: messageSigningHash(code, items[1]), signature });
  if (code === MessageCode.Commit) {
    const payload = rlpDecode(items[1]);
    if (Array.isArray(payload) && isBytes(payload[2], 32) && isBytes(payload[3], 65)) {
      jobs.push({ hash: commitSealDigest(payload[2]), signature: payload[3] });
    }
  }
  if (nested) return;
  const attachment = rlpDecode(items[3]);
  if (!Array.isArray(attachment) || attachment.length !== 2) return;
  // Preprepare: [roundChanges, prepares]; round change certificate: [preparedBlock, prepares].
  if (code === MessageCode.Preprepare) collectNested(attachment[0], jobs);
  if (code === MessageCode.Preprepare || code === MessageCode.RoundChange) collectNested(attachment[1], jobs);
}

function collectNested(list: RlpValue, jobs: SignatureJob[]): void {
  if (!Array.isArray(list) || list.length > MAX_JUSTIFICATION_ENTRIES) return;
  for (const item of list) if (item instanceof Uint8Array) collectEnvelope(item, jobs, true);
}

function isBytes(v: RlpValue | undefined, length: number): v is Uint8Array {
  return v instanceof Uint8Array && v.length === length;
}

function numberOf(v: RlpValue): number | undefined {
  if (!(v instanceof Uint8Array) || v.length > 1) return undefined;
  return v.length === 0 ? 0 : v[0];
}

/**
 * Recovers every signature of `bytes` through `verifier` (the worker pool) ahead of decoding. Undefined
 * when there is nothing to recover or the verifier failed: the decoder then recovers on the main thread.
 */
export async function recoverMessageSigners(
  verifier: Pick<SigVerifier, "recoverAddresses">,
  bytes: Uint8Array,
): Promise<RecoveredSigners | undefined> {
  const jobs = consensusSignatureJobs(bytes);
  if (jobs.length === 0) return undefined;
  try {
    return new RecoveredSigners(jobs, await verifier.recoverAddresses(jobs));
  } catch {
    return undefined;
  }
}

import { CryptoError, CryptoErrorCode } from "./errors.js";
import { recoverAddress } from "./secp256k1.js";

export interface SignatureJob {
  hash: Uint8Array;
  /** 65 bytes r‖s‖recid. */
  signature: Uint8Array;
}

/**
 * The seam between signature recovery and its callers (pool admission, block import): the main-thread
 * implementation below and a worker-pool one share it, and tests may pick the deterministic one.
 */
export interface SigVerifier {
  /** One entry per job: the signer address, or null when the signature is invalid. Never rejects for bad sigs. */
  recoverAddresses(jobs: SignatureJob[]): Promise<(Uint8Array | null)[]>;
  /**
   * False while the verifier is saturated: gossip intake should then drop (peers resend) rather than queue.
   * Callers that must be answered (RPC, block import) call recoverAddresses regardless.
   */
  canAcceptWork(): boolean;
  close(): Promise<void>;
}

export class MainThreadSigVerifier implements SigVerifier {
  private closed = false;

  async recoverAddresses(jobs: SignatureJob[]): Promise<(Uint8Array | null)[]> {
    if (this.closed) throw new CryptoError({ code: CryptoErrorCode.VERIFIER_CLOSED }, "SigVerifier is closed");
    const out: (Uint8Array | null)[] = new Array(jobs.length);
    for (let i = 0; i < jobs.length; i++) {
      try {
        out[i] = recoverAddress(jobs[i].hash, jobs[i].signature);
      } catch {
        out[i] = null;
      }
    }
    return out;
  }

  /** Work runs synchronously inside the call, so nothing ever piles up behind it. */
  canAcceptWork(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

import { bytesToHex, nullLogger } from "@knode/common";
import { MainThreadSigVerifier, recoverAddress, type SignatureJob, type SigVerifier } from "@knode/crypto";
import { headerHash } from "@knode/types";
import { afterEach, describe, expect, it } from "vitest";
import { IstanbulEngine } from "../src/istanbulEngine.js";
import { decodeConsensusMessage, MessageCode } from "../src/messages/consensusMessage.js";
import { consensusSignatureJobs, RecoveredSigners, recoverMessageSigners } from "../src/messages/signatureJobs.js";
import { ProposerPolicy } from "../src/proposer.js";
import { ConsensusSigner } from "../src/signer.js";
import { SigningWal } from "../src/signingWal.js";
import { addrs, cleanupDirs, FakeChain, genesisHeader, keys, makeBlock, script, tempDir } from "./harness.js";

afterEach(cleanupDirs);

const council = addrs.slice(0, 4);
const genesis = genesisHeader(council);
const block = makeBlock({ header: genesis, hash: headerHash(genesis) }, council, 0, 0);

function signersOf(jobs: SignatureJob[]): string[] {
  return jobs.map((j) => bytesToHex(recoverAddress(j.hash, j.signature)));
}

/** Every shape a peer can send, with the signers decoding must recover, in order. */
function samples() {
  const prepares = [0, 1, 2].map((i) => script.prepare(i, 1n, 0, block.digest));
  const rc = script.roundChange(1, 1n, 1, { round: 0, digest: block.digest, blockBytes: block.bytes, prepares });
  const plainRc = script.roundChange(3, 1n, 1);
  return {
    prepare: { bytes: script.prepare(2, 1n, 0, block.digest), signers: [2] },
    commit: { bytes: script.commit(3, 1n, 0, block.digest), signers: [3, 3] },
    preprepare: { bytes: script.preprepare(0, 1n, 0, block.bytes), signers: [0] },
    roundChangeWithCertificate: { bytes: rc.full, signers: [1, 0, 1, 2] },
    justifiedPreprepare: {
      bytes: script.preprepare(1, 1n, 1, block.bytes, { roundChanges: [rc.stripped, plainRc.stripped], prepares }),
      signers: [1, 1, 3, 0, 1, 2],
    },
  };
}

describe("consensus signature jobs", () => {
  it("finds every signature decoding recovers: envelope, commit seal, nested justification envelopes", () => {
    for (const [name, s] of Object.entries(samples())) {
      const jobs = consensusSignatureJobs(s.bytes);
      expect(signersOf(jobs), name).toEqual(s.signers.map((i) => bytesToHex(addrs[i])));
      const table = new RecoveredSigners(
        jobs,
        jobs.map((j) => recoverAddress(j.hash, j.signature)),
      );
      const decoded = decodeConsensusMessage(s.bytes, table);
      expect(table.answered, name).toBe(jobs.length);
      const reference = decodeConsensusMessage(s.bytes);
      expect(bytesToHex(decoded.signer), name).toBe(bytesToHex(reference.signer));
      expect(decoded.code, name).toBe(reference.code);
    }
  });

  it("returns what it found and never throws on garbage; the strict decoder still rejects it", () => {
    const good = samples().prepare.bytes;
    const garbage = [new Uint8Array(0), Uint8Array.of(0xc0), Uint8Array.of(...good, 0), good.subarray(0, 20)];
    for (const g of garbage) {
      expect(() => consensusSignatureJobs(g)).not.toThrow();
      const jobs = consensusSignatureJobs(g);
      const table = new RecoveredSigners(
        jobs,
        jobs.map(() => addrs[5]),
      );
      expect(() => decodeConsensusMessage(g, table)).toThrow();
    }
    expect(consensusSignatureJobs(Uint8Array.of(...good, 0))).toEqual([]);
  });

  it("decoding takes the signer from the table, and a signature the table calls invalid is rejected", () => {
    const { bytes } = samples().prepare;
    const jobs = consensusSignatureJobs(bytes);
    const lying = new RecoveredSigners(jobs, [addrs[7]]);
    expect(bytesToHex(decodeConsensusMessage(bytes, lying).signer)).toBe(bytesToHex(addrs[7]));
    expect(() => decodeConsensusMessage(bytes, new RecoveredSigners(jobs, [null]))).toThrow(/bad message signature/);
    // A pair missing from the table is recovered on the spot.
    expect(bytesToHex(decodeConsensusMessage(bytes, new RecoveredSigners([], [])).signer)).toBe(bytesToHex(addrs[2]));
  });

  it("falls back to the main thread when the verifier fails", async () => {
    const failing: Pick<SigVerifier, "recoverAddresses"> = {
      recoverAddresses: () => Promise.reject(new Error("worker died")),
    };
    expect(await recoverMessageSigners(failing, samples().prepare.bytes)).toBeUndefined();
    expect(await recoverMessageSigners(new MainThreadSigVerifier(), Uint8Array.of(0xc0))).toBeUndefined();
  });
});

/** A verifier that answers through `answer` after a varying number of event-loop turns (out of order). */
class ScriptedVerifier implements Pick<SigVerifier, "recoverAddresses"> {
  jobs = 0;
  private turn = 0;
  constructor(private readonly answer: (job: SignatureJob) => Uint8Array | null | "fail") {}

  async recoverAddresses(jobs: SignatureJob[]): Promise<(Uint8Array | null)[]> {
    this.jobs += jobs.length;
    for (let i = (this.turn++ * 7) % 4; i > 0; i--) await new Promise((r) => setImmediate(r));
    return jobs.map((j) => {
      const a = this.answer(j);
      if (a === "fail") throw new Error("worker died");
      return a;
    });
  }
}

function engineFor(i: number, chain: FakeChain, verifier: ScriptedVerifier, deliver: (bytes: Uint8Array) => void) {
  const signer = new ConsensusSigner(keys[i], SigningWal.open(tempDir()));
  const engine = new IstanbulEngine(
    { blockPeriodMs: 20, roundTimeoutBaseMs: 5_000, policy: ProposerPolicy.RoundRobin },
    {
      logger: nullLogger(),
      chain,
      txs: { pendingForBlock: () => [] },
      signer,
      rewardbase: signer.address,
      network: { broadcast: (bytes) => deliver(bytes) },
      sigVerifier: verifier,
    },
  );
  return { engine, signer };
}

describe("IstanbulEngine with a signature verifier", () => {
  it("four validators commit the same blocks with every peer message's signatures recovered by the verifier", async () => {
    const chains = council.map(() => new FakeChain(genesis));
    const verifiers = council.map(() => new ScriptedVerifier((j) => recoverAddress(j.hash, j.signature)));
    const nodes = council.map((_, i) =>
      engineFor(i, chains[i], verifiers[i], (bytes) => {
        for (let j = 0; j < nodes.length; j++) if (j !== i) void nodes[j].engine.handleMessage(bytes);
      }),
    );
    const reached = chains.map(
      (c) =>
        new Promise<void>((resolve) => {
          const off = c.onNewHead((h) => {
            if (h.number === 3n) {
              off();
              resolve();
            }
          });
        }),
    );
    for (const n of nodes) n.engine.start();
    await Promise.all(reached);
    for (const n of nodes) {
      await n.engine.close();
      n.signer.close();
    }
    const hashes = chains.map((c) => c.committed.slice(0, 3).map((h) => bytesToHex(headerHash(h))));
    for (const h of hashes) expect(h).toEqual(hashes[0]);
    // Each block needs at least a preprepare or prepares plus commits (envelope and seal) from peers.
    for (const v of verifiers) expect(v.jobs).toBeGreaterThanOrEqual(3 * 4);
  });

  it("rejects a message whose signature the verifier finds invalid, and decodes on the main thread when it fails", async () => {
    const prepare = script.prepare(1, 1n, 0, block.digest);
    const run = async (answer: (j: SignatureJob) => Uint8Array | null | "fail") => {
      const { engine, signer } = engineFor(0, new FakeChain(genesis), new ScriptedVerifier(answer), () => {});
      try {
        return await engine.handleMessage(prepare);
      } finally {
        await engine.close();
        signer.close();
      }
    };
    expect(await run(() => null)).toBe("reject");
    expect(await run((j) => recoverAddress(j.hash, j.signature))).not.toBe("reject");
    expect(await run(() => "fail")).not.toBe("reject");
    // The code the message carries is what the test meant to send.
    expect(decodeConsensusMessage(prepare).code).toBe(MessageCode.Prepare);
  });
});

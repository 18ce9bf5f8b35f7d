import { existsSync } from "node:fs";
import path from "node:path";
import { nullLogger } from "@knode/common";
import { headerHash } from "@knode/types";
import { afterEach, describe, expect, it } from "vitest";
import { IstanbulEngine } from "../src/istanbulEngine.js";
import { ProposerPolicy } from "../src/proposer.js";
import { ConsensusSigner } from "../src/signer.js";
import { SigningWal } from "../src/signingWal.js";
import { verifyHeader } from "../src/verify.js";
import { addrs, cleanupDirs, FakeChain, genesisHeader, keys, tempDir } from "./harness.js";

afterEach(cleanupDirs);

describe("IstanbulEngine", () => {
  it("keeps the node's construction working: a lone CN commits a chain of verifiable blocks on real timers", async () => {
    const dir = tempDir();
    const chain = new FakeChain(genesisHeader([addrs[0]]));
    const signer = new ConsensusSigner(keys[0], SigningWal.open(dir));
    const engine = new IstanbulEngine(
      { blockPeriodMs: 20, policy: ProposerPolicy.RoundRobin },
      { logger: nullLogger(), chain, txs: { pendingForBlock: () => [] }, signer, rewardbase: signer.address },
    );
    const three = new Promise<void>((resolve) => {
      const off = chain.onNewHead((h) => {
        if (h.number === 3n) {
          off();
          resolve();
        }
      });
    });
    engine.start();
    await three;
    await engine.close();
    signer.close();
    let parent = (await chain.getHeaderByNumber(0n))?.header;
    for (const h of chain.committed.slice(0, 3)) {
      if (!parent) throw new Error("missing parent");
      const v = verifyHeader(h, parent, headerHash(parent), [addrs[0]], ProposerPolicy.RoundRobin, Date.now());
      expect(v.committers).toEqual([addrs[0]]);
      parent = h;
    }
    expect(existsSync(path.join(dir, "lock.rlp"))).toBe(true);
  });
});

import type { Chain } from "@knode/chain";
import { ChainErrorCode } from "@knode/chain";
import { bytesToHex, isKnodeError, nullLogger } from "@knode/common";
import { MainThreadSigVerifier } from "@knode/crypto";
import type { P2PNetwork, PeerInfo } from "@knode/p2p";
import { orderedTrieRoot } from "@knode/state";
import { type Block, encodeBlock, genesisExtraData, type Header, headerHash, type Transaction } from "@knode/types";
import { describe, expect, it } from "vitest";
import { BlockSync } from "../src/blockSync.js";
import { NodeErrorCode } from "../src/errors.js";
import { recoverBlockSenders } from "../src/recoverBlockSenders.js";
import { header } from "./blockHelpers.js";
import { unrecoverable, wireTx } from "./txHelpers.js";

/** A header with an Istanbul extra, so that it has a hash. */
function sealable(number: bigint): Header {
  return { ...header(number), extraData: genesisExtraData([new Uint8Array(20)]) };
}

/** A chain that "imports" by moving its head and records what it was given. */
class FakeChain {
  headNumber = 0n;
  readonly imported: Block[] = [];
  readonly committed: { payload: unknown; header: Header }[] = [];
  readonly bodyChecked: boolean[] = [];
  head() {
    return { header: header(this.headNumber), hash: new Uint8Array(32) };
  }
  async importBlock(block: Block, _verify: unknown, opts: { txRootChecked?: boolean } = {}): Promise<void> {
    this.bodyChecked.push(opts.txRootChecked === true);
    // The executor would recover any missing sender on the main thread; none may be missing here.
    if (block.transactions.some((t) => t.sender === undefined)) throw new Error("sender missing at import");
    this.imported.push(block);
    this.headNumber = block.header.number;
  }
  async commitProposal(payload: unknown, header: Header): Promise<void> {
    this.committed.push({ payload, header });
    this.headNumber = header.number;
  }
}

function setup(
  served: Block[] = [],
  verify: (h: Header) => unknown = () => undefined,
  verifiedPayload?: (hash: Uint8Array) => unknown,
) {
  const chain = new FakeChain();
  const penalties: string[] = [];
  const peer = { id: "peerA", head: { number: 100n } } as unknown as PeerInfo;
  const p2p = {
    peers: () => (chain.headNumber < 100n ? [peer] : []),
    request: async () => served.splice(0).map((b) => encodeBlock(b)),
    penalize: (id: string, level: string, why: string) => penalties.push(`${id} ${level} ${why}`),
  };
  const batches: number[] = [];
  const verifier = new MainThreadSigVerifier();
  const sync = new BlockSync(
    {},
    {
      logger: nullLogger(),
      chain: chain as unknown as Chain,
      p2p: p2p as unknown as P2PNetwork,
      verify,
      recoverSenders: (txs) => {
        batches.push(txs.length);
        return recoverBlockSenders(txs, verifier);
      },
      verifiedPayload: verifiedPayload as ConstructorParameters<typeof BlockSync>[1]["verifiedPayload"],
    },
  );
  return { chain, sync, penalties, batches };
}

describe("BlockSync sender recovery", () => {
  it("imports a gossiped block with every sender recovered in one batch", async () => {
    const { chain, sync, batches } = setup();
    const block = { header: header(1n), transactions: [wireTx(0n), wireTx(0n), wireTx(0n)] };
    expect(await sync.importGossiped(block)).toBe("imported");
    expect(chain.imported).toEqual([block]);
    expect(batches).toEqual([3]);
  });

  it("commits a gossiped block the CN already executed in consensus from that result, after checking its seals", async () => {
    const block = { header: sealable(1n), transactions: [wireTx(0n)] };
    const payload = { tag: "executed by consensus" };
    const checked: bigint[] = [];
    const { chain, sync, batches } = setup(
      [],
      (h) => checked.push(h.number),
      (hash) => (bytesToHex(hash) === bytesToHex(headerHash(block.header)) ? payload : undefined),
    );
    expect(await sync.importGossiped(block)).toBe("imported");
    expect(chain.committed).toEqual([{ payload, header: block.header }]);
    expect(chain.imported).toEqual([]);
    expect(batches).toEqual([]);
    expect(checked).toEqual([1n]);
    // Any other block is imported (executed) as before.
    const next = { header: sealable(2n), transactions: [wireTx(0n)] };
    expect(await sync.importGossiped(next)).toBe("imported");
    expect(chain.imported).toEqual([next]);
  });

  it("does not commit from a consensus result when the gossiped seals fail", async () => {
    const block = { header: sealable(1n), transactions: [] };
    const { chain, sync } = setup(
      [],
      () => {
        throw new Error("bad committed seals");
      },
      () => ({ tag: "executed by consensus" }),
    );
    await expect(sync.importGossiped(block)).rejects.toThrow("bad committed seals");
    expect(chain.committed).toEqual([]);
  });

  it("refuses a gossiped block with a bad signature before it reaches the chain", async () => {
    const { chain, sync } = setup();
    const block = { header: header(1n), transactions: [wireTx(0n), await unrecoverable(wireTx(0n))] };
    await expect(sync.importGossiped(block)).rejects.toSatisfy((e: unknown) =>
      isKnodeError(e, NodeErrorCode.BAD_TX_SIGNATURE),
    );
    expect(chain.imported).toEqual([]);
  });

  it("syncs a batch, recovering each block's senders, and penalises the peer at the first bad block", async () => {
    const bad = await unrecoverable(wireTx(0n));
    const served = [
      { header: header(1n), transactions: [wireTx(0n), wireTx(1n)] },
      { header: header(2n), transactions: [wireTx(0n)] },
      { header: header(3n), transactions: [wireTx(0n), bad] },
      { header: header(4n), transactions: [wireTx(0n)] },
    ];
    const { chain, sync, penalties, batches } = setup(served);
    sync.trigger();
    await sync.close();
    expect(chain.imported.map((b) => b.header.number)).toEqual([1n, 2n]);
    expect(batches).toEqual([2, 1, 2, 1]);
    expect(penalties).toHaveLength(1);
    expect(penalties[0]).toMatch(/^peerA fatal bad block: block tx 1 .* invalid signature/);
  });
});

async function sealedChild(number: bigint, parentHash: Uint8Array, txs: Transaction[]): Promise<Block> {
  const txRoot = await orderedTrieRoot(txs.map((t) => t.raw));
  const h = { ...header(number), parentHash, txRoot, extraData: genesisExtraData([new Uint8Array(20)]) };
  return { header: h, transactions: txs };
}

describe("BlockSync relay checks (before execution)", () => {
  it("passes the head's child and then its child while the first still waits for import", async () => {
    const { chain, sync } = setup();
    const b1 = await sealedChild(1n, new Uint8Array(32), [wireTx(0n)]);
    const b2 = await sealedChild(2n, headerHash(b1.header), [wireTx(0n), wireTx(0n)]);
    expect(sync.relayedHeight()).toBe(0n);
    expect(await sync.relayCheck(b1)).toBe("next");
    expect(await sync.relayCheck(b2)).toBe("next");
    expect(await sync.relayCheck(b1)).toBe("known");
    // Relayed but not imported yet: copies up to b2 are known.
    expect(sync.relayedHeight()).toBe(2n);
    sync.forgetRelayTip();
    expect(sync.relayedHeight()).toBe(0n);
    expect(await sync.relayCheck(b1)).toBe("next");
    expect(await sync.relayCheck(b2)).toBe("next");
    expect(chain.imported).toEqual([]);
    // Import does not hash a body the relay check already matched with its tx root; any other it does.
    expect(await sync.importGossiped(b1)).toBe("imported");
    expect(await sync.importGossiped({ ...b2 })).toBe("imported");
    expect(chain.bodyChecked).toEqual([true, false]);
  });

  it("throws for a body that does not match the header's tx root", async () => {
    const { sync } = setup();
    const b1 = await sealedChild(1n, new Uint8Array(32), [wireTx(0n)]);
    const tampered = { ...b1, transactions: [wireTx(1n)] };
    await expect(sync.relayCheck(tampered)).rejects.toSatisfy((e: unknown) =>
      isKnodeError(e, ChainErrorCode.TX_ROOT_MISMATCH),
    );
  });

  it("throws for bad seals on the head's child, but only defers a child of a pending block", async () => {
    const b1 = await sealedChild(1n, new Uint8Array(32), []);
    const b2 = await sealedChild(2n, headerHash(b1.header), []);
    const { sync } = setup([], (h) => {
      if (h.number === 2n) throw new Error("bad committed seals");
    });
    expect(await sync.relayCheck(b1)).toBe("next");
    expect(await sync.relayCheck(b2)).toBe("ahead");
    const { sync: fresh } = setup([], () => {
      throw new Error("bad committed seals");
    });
    await expect(fresh.relayCheck(b1)).rejects.toThrow("bad committed seals");
  });

  it("after a failed import the relay tip is forgotten and its children wait for sync", async () => {
    const { sync } = setup();
    const b1 = await sealedChild(1n, new Uint8Array(32), []);
    const b2 = await sealedChild(2n, headerHash(b1.header), []);
    expect(await sync.relayCheck(b1)).toBe("next");
    sync.forgetRelayTip();
    expect(await sync.relayCheck(b2)).toBe("ahead");
  });

  it("reports a block beyond the next as ahead", async () => {
    const { sync } = setup();
    expect(await sync.relayCheck(await sealedChild(5n, new Uint8Array(32), []))).toBe("ahead");
  });
});

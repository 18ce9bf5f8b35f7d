import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Cluster, consensusBlocksOf, headOf, until } from "../helpers/cluster.js";
import { rpcCall } from "../helpers/knodeProcess.js";

const VOTE_ACK = /^Your vote is prepared/;

/**
 * Validators join and leave by vote: five CNs, of which the genesis council holds four; cn0 is the
 * governing node. cn4 starts refused by every CN (not in the council) and must get in once voted in.
 */
describe("council changes by governance vote", () => {
  let cluster: Cluster;
  let cn4: string;
  // istanbul_getValidators is the council after the head (votes in it applied); klay_getCouncil("latest")
  // the council that sealed the head, so it follows one block later.
  const council = (i: number) => rpcCall<string[]>(cluster.url(i), "istanbul_getValidators", []);
  const sealingCouncil = (i: number) => rpcCall<string[]>(cluster.url(i), "klay_getCouncil", ["latest"]);

  beforeAll(async () => {
    cluster = await Cluster.create({ cn: 5, validators: 4, testAccounts: 1 });
    cn4 = cluster.address(4);
    await cluster.start([0, 1, 2, 3, 4]);
  }, 90_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === "fail") console.error(cluster?.diagnostics());
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it("cn4 is outside the council and refused as a CN peer", async () => {
    await until("block 3", 30_000, async () => ((await headOf(cluster.url(0))) >= 3 ? true : undefined));
    expect(await council(0)).toHaveLength(4);
    expect(await council(0)).not.toContain(cn4);
    const peers = await rpcCall<{ address: string }[]>(cluster.url(0), "admin_peers", []);
    expect(peers.map((p) => p.address)).not.toContain(cn4);
    expect(peers).toHaveLength(3);
  }, 60_000);

  it("addvalidator: the council gains cn4, which syncs and proposes", async () => {
    expect(await rpcCall(cluster.url(0), "governance_vote", ["governance.addvalidator", cn4])).toMatch(VOTE_ACK);
    const voted = await headOf(cluster.url(0));
    await until("cn4 in cn0's council", 20_000, async () => ((await council(0)).includes(cn4) ? true : undefined));
    expect(await council(0)).toHaveLength(5);
    const members = await until("cn4 in the sealing council", 10_000, async () => {
      const c = await sealingCouncil(0);
      return c.includes(cn4) ? c : undefined;
    });
    expect(members).toHaveLength(5);

    // cn4 was refused so far; now the CNs must let it in, and it must sync the chain before it can propose.
    const proposal = await until("a block proposed by cn4", 90_000, async () => {
      const head = await headOf(cluster.url(0));
      return (await consensusBlocksOf(cluster.url(0), voted + 1, head)).find((b) => b.proposer === cn4);
    });
    const n = Number(proposal.number);
    const [onCn4] = await consensusBlocksOf(cluster.url(4), n, n);
    expect(onCn4.hash).toBe(proposal.hash);
    expect(await council(4)).toContain(cn4);
    const peers = await rpcCall<{ address: string }[]>(cluster.url(4), "admin_peers", []);
    expect(peers.length).toBeGreaterThan(0);
  }, 150_000);

  it("removevalidator: the council is back to four and cn4 proposes no more", async () => {
    expect(await rpcCall(cluster.url(0), "governance_vote", ["governance.removevalidator", cn4])).toMatch(VOTE_ACK);
    await until("cn4 out of cn0's council", 20_000, async () => (!(await council(0)).includes(cn4) ? true : undefined));
    const removedAt = await headOf(cluster.url(0));
    expect(await council(0)).toHaveLength(4);
    const members = await until("cn4 out of the sealing council", 10_000, async () => {
      const c = await sealingCouncil(0);
      return c.includes(cn4) ? undefined : c;
    });
    expect(members).toHaveLength(4);

    // Two full rotations of the remaining four: each of them proposes, cn4 never does.
    const end = removedAt + 8;
    await until(`block ${end}`, 40_000, async () => ((await headOf(cluster.url(0))) >= end ? true : undefined));
    const blocks = await consensusBlocksOf(cluster.url(0), removedAt + 1, end);
    expect(blocks.filter((b) => b.proposer === cn4)).toEqual([]);
    const proposers = new Set(blocks.map((b) => b.proposer));
    for (const i of [0, 1, 2, 3]) expect(proposers).toContain(cluster.address(i));
    expect(blocks.every((b) => !b.committee.includes(cn4))).toBe(true);
    // No longer in the council, cn4 is no longer accepted as a CN peer either.
    await until("cn0 dropping cn4", 10_000, async () => {
      const peers = await rpcCall<{ address: string }[]>(cluster.url(0), "admin_peers", []);
      return peers.some((p) => p.address === cn4) ? undefined : peers;
    });
  }, 90_000);
});

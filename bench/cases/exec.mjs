import { signTransaction } from "@knode/types";
import { benchAccounts, FUNDING, openExecWorld, randomPairs, runExecCase, seededRandom } from "./execBlocks.mjs";
import { TOKEN, tokenAlloc, transferCalldata } from "./token.mjs";

/** The dev genesis unit price, which is the chain's constant base fee. */
const GAS_PRICE = 25_000_000_000n;
const EMPTY = new Uint8Array(0);

function signLegacy(accounts, pair, chainId, to, value, gasLimit, data) {
  return signTransaction(
    {
      type: 0,
      chainId,
      nonce: pair.nonce,
      gasPrice: GAS_PRICE,
      maxFeePerGas: GAS_PRICE,
      maxPriorityFeePerGas: GAS_PRICE,
      gasLimit,
      to,
      value,
      data,
      accessList: [],
    },
    accounts.keys[pair.from],
  );
}

/**
 * exec-transfer: blocks of plain value transfers between random funded accounts. When exec-erc20 runs next
 * on as many accounts, the genesis holds its token too and the chain is handed over in `ctx`.
 */
export async function execTransfer({ accounts: count, blocks, txsPerBlock }, ctx = {}) {
  const share = ctx.selected?.includes("exec-erc20") && ctx.params?.["exec-erc20"]?.accounts === count;
  const accounts = benchAccounts(count);
  const world = await openExecWorld(accounts, share ? tokenAlloc(accounts.addresses, FUNDING) : new Map());
  let handedOver = false;
  try {
    const chainId = world.genesis.config.chainId;
    const rand = seededRandom(1);
    const result = await runExecCase({
      name: "exec-transfer",
      world,
      blocks,
      nextBlockTxs: () =>
        randomPairs(accounts, txsPerBlock, rand).map((p) =>
          signLegacy(accounts, p, chainId, accounts.addresses[p.to], 1n, 21000n, EMPTY),
        ),
      checkReceipt: (r, i, phase) => {
        if (r.status !== 1 || r.gasUsed !== 21000n) {
          throw new Error(`exec-transfer ${phase}: tx ${i} status ${r.status}, gas ${r.gasUsed}`);
        }
      },
    });
    if (share) {
      ctx.execWorld = world;
      handedOver = true;
    }
    return result;
  } finally {
    if (!handedOver) await world.close();
  }
}

/** exec-erc20: blocks of ERC-20 `transfer(to, amount)` calls on a token every account holds. */
export async function execErc20({ accounts: count, blocks, txsPerBlock }, ctx = {}) {
  let world = ctx.execWorld;
  ctx.execWorld = undefined;
  if (world === undefined) {
    const accounts = benchAccounts(count);
    world = await openExecWorld(accounts, tokenAlloc(accounts.addresses, FUNDING));
  }
  try {
    const { accounts } = world;
    const chainId = world.genesis.config.chainId;
    const rand = seededRandom(2);
    return await runExecCase({
      name: "exec-erc20",
      world,
      blocks,
      nextBlockTxs: () =>
        randomPairs(accounts, txsPerBlock, rand).map((p) =>
          signLegacy(
            accounts,
            p,
            chainId,
            TOKEN,
            0n,
            100_000n,
            transferCalldata(accounts.addresses[p.to], 1000n + p.nonce),
          ),
        ),
      // A call to an address without code would also succeed: the Transfer event proves the token ran.
      checkReceipt: (r, i, phase) => {
        if (r.status !== 1 || r.logs.length !== 1 || r.gasUsed <= 21000n) {
          throw new Error(`exec-erc20 ${phase}: tx ${i} status ${r.status}, ${r.logs.length} logs, gas ${r.gasUsed}`);
        }
      },
    });
  } finally {
    await world.close();
  }
}

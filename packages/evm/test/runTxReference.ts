import type { Block } from "@ethereumjs/block";
import { createTxFromRLP } from "@ethereumjs/tx";
import { Address } from "@ethereumjs/util";
import { runTx } from "@ethereumjs/vm";
import type { Log, Transaction } from "@knode/types";
import type { BoundVm } from "../src/boundVm.js";
import { makeCommon } from "../src/makeCommon.js";
import { contractAddressOf, type TxExecution } from "../src/receipt.js";
import type { TxRunner } from "../src/runTransaction.js";

/**
 * The same job as runTransaction done by stock @ethereumjs/vm runTx on a tx rebuilt from its RLP: the
 * reference the differential tests hold our runner to (BlockExecutor's `txRunner` module).
 */
export function runTxReference(chainId: bigint): TxRunner {
  const common = makeCommon(chainId);
  return (bound, block, tx, sender, blockGasUsed) => viaRunTx(bound, block, tx, sender, blockGasUsed, common);
}

async function viaRunTx(
  bound: BoundVm,
  block: Block,
  tx: Transaction,
  sender: Uint8Array,
  blockGasUsed: bigint,
  common: ReturnType<typeof makeCommon>,
): Promise<TxExecution> {
  // Unfrozen so the sender we already know can be pinned: ethereumjs would otherwise recover it again.
  const ethTx = createTxFromRLP(tx.raw, { common, freeze: false });
  const address = new Address(sender);
  ethTx.getSenderAddress = () => address;
  const res = await runTx(bound.vm, {
    tx: ethTx,
    block,
    blockGasUsed,
    skipBlockGasLimitValidation: true,
    skipHardForkValidation: true,
  });
  const raw = res.execResult.logs ?? [];
  const logs: Log[] = raw.map(([addr, topics, data]) => ({ address: addr, topics, data }));
  return {
    status: res.execResult.exceptionError === undefined ? 1 : 0,
    gasUsed: res.totalGasSpent,
    logs,
    logsBloom: res.bloom.bitvector,
    contractAddress: tx.to === null ? contractAddressOf(sender, tx.nonce) : null,
  };
}

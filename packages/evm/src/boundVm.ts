import type { Common, StateManagerInterface } from "@ethereumjs/common";
import type { EVMMockBlockchainInterface } from "@ethereumjs/evm";
import { createVM, type VM } from "@ethereumjs/vm";

/**
 * What the operation currently running on a VM wants the EVM hooks to see. The VM is long-lived (one per
 * state) while these change per block or per call, so hooks read them through this mutable holder.
 */
export interface VmContext {
  /** Wall-clock ms after which execution aborts (eth_call timeout); Infinity for block execution. */
  deadline: number;
  getBlockHash?: (number: bigint) => Promise<Uint8Array | undefined>;
}

export interface BoundVm {
  vm: VM;
  ctx: VmContext;
}

/** Thrown from inside the interpreter to abandon an eth_call past its deadline. */
export class CallTimeoutSignal extends Error {
  constructor() {
    super("call deadline passed");
    this.name = "CallTimeoutSignal";
  }
}

const ZERO_HASH = new Uint8Array(32);
const JUMPDEST = 0x5b;
/** Date.now() costs ~25ns; checking every 1024 loop iterations keeps the overhead invisible. */
const DEADLINE_CHECK_INTERVAL = 1024;

function blockHashSource(ctx: VmContext): EVMMockBlockchainInterface {
  const source: EVMMockBlockchainInterface = {
    async getBlock(n: number) {
      const hash = (await ctx.getBlockHash?.(BigInt(n))) ?? ZERO_HASH;
      return { hash: () => hash };
    },
    async putBlock() {},
    shallowCopy: () => source,
  };
  return source;
}

/**
 * One VM over `state`. Every EVM loop passes through a JUMPDEST, so hooking that opcode is the cheapest
 * way to bound a call's wall time: the interpreter only yields to microtasks, so a timer could never fire
 * while a tight loop runs.
 */
export async function createBoundVm(common: Common, state: StateManagerInterface): Promise<BoundVm> {
  const ctx: VmContext = { deadline: Number.POSITIVE_INFINITY };
  let steps = 0;
  const vm = await createVM({
    // Each EVM subscribes to its Common's events; a copy per VM keeps listeners from piling up on the shared one.
    common: common.copy(),
    stateManager: state,
    blockchain: blockHashSource(ctx),
    evmOpts: {
      customOpcodes: [
        {
          opcode: JUMPDEST,
          opcodeName: "JUMPDEST",
          baseFee: 1,
          logicFunction() {
            if (++steps % DEADLINE_CHECK_INTERVAL === 0 && Date.now() > ctx.deadline) throw new CallTimeoutSignal();
          },
        },
      ],
    },
  });
  return { vm, ctx };
}

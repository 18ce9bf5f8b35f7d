import { Chain } from "@knode/chain";
import { bytesToHex, errorMessage, type Logger } from "@knode/common";
import { ConsensusSigner, IstanbulEngine, type ProposerPolicy, SigningWal } from "@knode/consensus";
import { assertNativeCrypto, keccak256, MainThreadSigVerifier, parseAddress, privateKeyToAddress } from "@knode/crypto";
import { LevelKvStore } from "@knode/db";
import { BlockExecutor, KNODE_BLOCK_GAS_LIMIT } from "@knode/evm";
import { buildMethodTable, RpcServer } from "@knode/rpc";
import { TxPool } from "@knode/txpool";
import { datadirPaths, loadOrCreateNodeKey, readGenesisOf } from "./datadir.js";
import { assertInitialized } from "./init.js";
import { NodeMetrics } from "./metrics.js";
import { defaultNodeOptions, type NodeOptions } from "./options.js";
import { ChainRpcBackend } from "./rpcBackend.js";
import { CLIENT_VERSION } from "./version.js";

export interface NodeEndpoints {
  httpUrl?: string;
  wsUrl?: string;
}

/**
 * The composition root: the only place that knows every concrete class. It builds metrics → db → chain →
 * txpool → consensus → rpc in that order and closes them in reverse.
 */
export class KnodeNode {
  private closers: { name: string; close: () => Promise<void> | void }[] = [];
  endpoints: NodeEndpoints = {};

  private constructor(
    readonly opts: NodeOptions,
    readonly logger: Logger,
    readonly chain: Chain,
    readonly pool: TxPool,
    readonly nodeAddress: Uint8Array,
  ) {}

  static async create(
    options: Partial<NodeOptions> & { datadir: string },
    modules: { logger: Logger },
  ): Promise<KnodeNode> {
    const opts: NodeOptions = { ...defaultNodeOptions, ...options };
    const { logger } = modules;
    assertNativeCrypto();
    assertInitialized(opts.datadir);
    const paths = datadirPaths(opts.datadir);
    const nodeKey = loadOrCreateNodeKey(opts.datadir, opts);
    const nodeAddress = privateKeyToAddress(nodeKey);
    const closers: { name: string; close: () => Promise<void> | void }[] = [];
    const closeAll = async () => {
      for (const c of closers.reverse()) {
        try {
          await c.close();
        } catch (e) {
          logger.warn({ err: errorMessage(e), module: c.name }, "close failed");
        }
      }
    };
    try {
      const metrics = new NodeMetrics();
      if (opts.metrics.enabled) {
        await metrics.listen("127.0.0.1", opts.metrics.port);
        closers.push({ name: "metrics", close: () => metrics.close() });
      }
      const kv = await LevelKvStore.open(paths.chaindata);
      closers.push({ name: "db", close: () => kv.close() });
      const genesis = readGenesisOf(opts.datadir);
      const chainId = genesis.config.chainId;
      const executor = new BlockExecutor(
        { chainId, mintingAmount: genesis.config.governance.reward.mintingAmount },
        { logger: logger.child({ module: "evm" }) },
      );
      const chain = await Chain.open({ kv, logger: logger.child({ module: "chain" }), executor });
      const sigVerifier = new MainThreadSigVerifier();
      closers.push({ name: "sigverifier", close: () => sigVerifier.close() });
      const pool = new TxPool(
        { ...opts.txpool },
        {
          logger: logger.child({ module: "txpool" }),
          sigVerifier,
          chain: {
            chainId,
            baseFee: () => chain.head().header.baseFee ?? 0n,
            maxTxGas: () => KNODE_BLOCK_GAS_LIMIT,
            getAccount: async (addr) => (await chain.readStateAt(chain.head().header.stateRoot)).getAccount(addr),
          },
        },
      );
      pool.start();
      closers.push({ name: "txpool", close: () => pool.close() });

      let lastBlockMs = 0;
      chain.onNewBlock((block) => {
        metrics.headNumber.set(Number(block.header.number));
        metrics.blocksCommitted.inc();
        metrics.txsCommitted.inc(block.transactions.length);
        const now = Date.now();
        if (lastBlockMs) metrics.blockInterval.observe((now - lastBlockMs) / 1000);
        lastBlockMs = now;
        pool.onNewHead().then(
          () => {
            const s = pool.status();
            metrics.poolPending.set(s.pending);
            metrics.poolQueued.set(s.queued);
          },
          (e) => logger.warn({ err: errorMessage(e) }, "txpool reset failed"),
        );
      });

      const node = new KnodeNode(opts, logger, chain, pool, nodeAddress);
      node.closers = closers;

      if (opts.role === "cn") {
        const wal = SigningWal.open(paths.consensusWal, chain.headNumber > 1000n ? chain.headNumber - 1000n : 0n);
        const signer = new ConsensusSigner(nodeKey, wal);
        closers.push({ name: "signer", close: () => signer.close() });
        const engine = new IstanbulEngine(
          {
            blockPeriodMs: opts.blockPeriodMs ?? Math.round(genesis.config.blockPeriod * 1000),
            policy: genesis.config.istanbul.policy as ProposerPolicy,
          },
          {
            logger: logger.child({ module: "consensus" }),
            chain,
            txs: pool,
            signer,
            rewardbase: opts.rewardbase ? parseAddress(opts.rewardbase) : nodeAddress,
          },
        );
        closers.push({ name: "consensus", close: () => engine.close() });
        engine.start();
      }

      const backend = new ChainRpcBackend(
        { chainId, networkId: opts.networkId ?? chainId, clientVersion: CLIENT_VERSION },
        { chain, pool, executor },
      );
      if (opts.rpc.enabled || opts.ws.enabled) {
        const modulesSet = [
          ...new Set([...(opts.rpc.enabled ? opts.rpc.api : []), ...(opts.ws.enabled ? opts.ws.api : [])]),
        ];
        const server = new RpcServer(
          {
            host: opts.rpc.addr,
            httpPort: opts.rpc.enabled ? opts.rpc.port : null,
            wsPort: opts.ws.enabled ? opts.ws.port : null,
            modules: modulesSet,
            corsDomains: opts.corsDomains,
            vhosts: opts.vhosts,
          },
          { logger: logger.child({ module: "rpc" }), backend, methods: buildMethodTable(backend, { keccak256 }) },
        );
        node.endpoints = await server.start();
        closers.push({ name: "rpc", close: () => server.close() });
      }
      logger.info(
        {
          role: opts.role,
          address: bytesToHex(nodeAddress),
          chainId: chainId.toString(),
          head: chain.headNumber.toString(),
          rpc: node.endpoints.httpUrl,
          ws: node.endpoints.wsUrl,
        },
        "node started",
      );
      return node;
    } catch (e) {
      await closeAll();
      throw e;
    }
  }

  async close(): Promise<void> {
    const closers = this.closers.splice(0).reverse();
    for (const c of closers) {
      try {
        await c.close();
      } catch (e) {
        this.logger.warn({ err: errorMessage(e), module: c.name }, "close failed");
      }
    }
    this.logger.info("node stopped");
  }
}

import { existsSync } from "node:fs";
import { Chain } from "@knode/chain";
import { bytesToHex, equalBytes, errorMessage, type Logger } from "@knode/common";
import {
  ConsensusSigner,
  GovernanceState,
  IstanbulEngine,
  makeImportVerifier,
  quorumSize,
  SigningWal,
} from "@knode/consensus";
import {
  assertNativeCrypto,
  keccak256,
  MainThreadSigVerifier,
  PoolSigVerifier,
  parseAddress,
  privateKeyToAddress,
  type SigVerifier,
} from "@knode/crypto";
import { LevelKvStore } from "@knode/db";
import { BlockExecutor, KNODE_BLOCK_GAS_LIMIT } from "@knode/evm";
import { P2PNetwork, type PeerInfo, readStaticNodes } from "@knode/p2p";
import { buildMethodTable, RpcServer } from "@knode/rpc";
import { TxPool } from "@knode/txpool";
import { adminMethods } from "./adminMethods.js";
import { BlockSync } from "./blockSync.js";
import { consensusMethods } from "./consensusMethods.js";
import { datadirPaths, loadOrCreateNodeKey, readGenesisOf } from "./datadir.js";
import { assertInitialized } from "./init.js";
import { NodeMetrics } from "./metrics.js";
import { NodeNetwork } from "./nodeNetwork.js";
import { defaultNodeOptions, type NodeOptions } from "./options.js";
import { assertPortsFree } from "./ports.js";
import { type BlockSenderRecovery, recoverBlockSenders, withSenderRecovery } from "./recoverBlockSenders.js";
import { ChainRpcBackend } from "./rpcBackend.js";
import { registerSigVerifierMetrics } from "./sigVerifierMetrics.js";
import { CLIENT_VERSION } from "./version.js";

export interface NodeEndpoints {
  httpUrl?: string;
  wsUrl?: string;
}

type Closer = { name: string; close: () => Promise<void> | void };

/** Longest a CN waits at startup for council peers before it starts deciding anyway. */
const COUNCIL_WAIT_MS = 5_000;

/** How many heights of signing records the consensus WAL keeps when it compacts at startup. */
const WAL_KEEP_HEIGHTS = 1000n;

/**
 * The composition root: the only place that knows every concrete class. It builds metrics → db → chain →
 * txpool → consensus → p2p → rpc in that order and closes them in reverse.
 */
export class KnodeNode {
  endpoints: NodeEndpoints = {};

  private constructor(
    readonly opts: NodeOptions,
    readonly logger: Logger,
    readonly chain: Chain,
    readonly pool: TxPool,
    readonly p2p: P2PNetwork,
    readonly nodeAddress: Uint8Array,
    readonly sigVerifier: SigVerifier,
    private readonly closers: Closer[],
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
    const closers: Closer[] = [];
    try {
      // The datadir lock first (a second node on it is the likelier mistake), then every port.
      const kv = await LevelKvStore.open(paths.chaindata);
      closers.push({ name: "db", close: () => kv.close() });
      await assertPortsFree([
        { what: "p2p", host: "127.0.0.1", port: opts.port },
        ...(opts.rpc.enabled ? [{ what: "rpc", host: opts.rpc.addr, port: opts.rpc.port }] : []),
        ...(opts.ws.enabled && !(opts.rpc.enabled && opts.ws.port === opts.rpc.port)
          ? [{ what: "ws", host: opts.ws.addr, port: opts.ws.port }]
          : []),
        ...(opts.metrics.enabled ? [{ what: "metrics", host: "127.0.0.1", port: opts.metrics.port }] : []),
      ]);
      // Before anything heavier: a missing worker build (dist/sigWorker.js) fails here with a clear error.
      const sigVerifier = createSigVerifier(opts.sigWorkers, logger);
      closers.push({ name: "sigverifier", close: () => sigVerifier.close() });
      const metrics = new NodeMetrics();
      if (sigVerifier instanceof PoolSigVerifier) registerSigVerifierMetrics(metrics.registry, sigVerifier);
      if (opts.metrics.enabled) {
        await metrics.listen("127.0.0.1", opts.metrics.port);
        closers.push({ name: "metrics", close: () => metrics.close() });
      }
      const genesis = readGenesisOf(opts.datadir);
      const chainId = genesis.config.chainId;
      const executor = new BlockExecutor(
        { chainId, mintingAmount: genesis.config.governance.reward.mintingAmount },
        { logger: logger.child({ module: "evm" }) },
      );
      const chain = await Chain.open({ kv, logger: logger.child({ module: "chain" }), executor });
      const governance = GovernanceState.fromChainConfig(genesis.config, { self: nodeAddress, headers: chain });
      const pool = new TxPool(
        { ...opts.txpool },
        {
          logger: logger.child({ module: "txpool" }),
          sigVerifier,
          chain: {
            chainId,
            baseFee: () => chain.head().header.baseFee ?? 0n,
            maxTxGas: () => KNODE_BLOCK_GAS_LIMIT,
            getAccount: (addr) => chain.headAccount(addr),
          },
        },
      );
      pool.start();
      closers.push({ name: "txpool", close: () => pool.close() });
      watchHead(chain, pool, metrics, logger);
      // Block txs whose sender the pool already recovered reuse it; the rest go to the workers in one batch.
      const recoverSenders: BlockSenderRecovery = async (txs) => {
        const r = await recoverBlockSenders(txs, sigVerifier, (hash) => pool.getSender(hash));
        if (r.recovered > 0) metrics.blockSenders.inc({ source: "recovered" }, r.recovered);
        if (r.reused > 0) metrics.blockSenders.inc({ source: "reused" }, r.reused);
      };

      const p2p = new P2PNetwork(
        {
          nodeKey,
          host: "127.0.0.1",
          port: opts.port,
          maxConnections: opts.maxConnections,
          staticPeers: existsSync(paths.staticNodes) ? readStaticNodes(paths.staticNodes) : [],
          bootnodes: opts.bootnodes,
          noDiscover: opts.nodiscover,
        },
        {
          logger: logger.child({ module: "p2p" }),
          chain: {
            chainId,
            genesisHash: chain.genesisHash,
            role: opts.role,
            head: () => ({ number: chain.headNumber, hash: chain.head().hash }),
            council: () => governance.councilAfter(chain.head().header),
          },
        },
      );

      let engine: IstanbulEngine<Awaited<ReturnType<Chain["buildProposal"]>>> | undefined;
      if (opts.role === "cn") {
        const keepFrom = chain.headNumber > WAL_KEEP_HEIGHTS ? chain.headNumber - WAL_KEEP_HEIGHTS : 0n;
        const signer = new ConsensusSigner(nodeKey, SigningWal.open(paths.consensusWal, keepFrom));
        closers.push({ name: "signer", close: () => signer.close() });
        engine = new IstanbulEngine(
          {
            blockPeriodMs: opts.blockPeriodMs ?? Math.round(genesis.config.blockPeriod * 1000),
            policy: governance.policy,
            sub: governance.sub,
            ...(opts.roundTimeoutMs
              ? {
                  roundTimeoutBaseMs: opts.roundTimeoutMs,
                  roundTimeoutGrowthMs: Math.max(1, Math.round(opts.roundTimeoutMs / 10)),
                }
              : {}),
          },
          {
            logger: logger.child({ module: "consensus" }),
            chain: withSenderRecovery(chain, recoverSenders),
            txs: pool,
            signer,
            governance,
            sigVerifier,
            rewardbase: opts.rewardbase ? parseAddress(opts.rewardbase) : nodeAddress,
            network: {
              broadcast: (encoded, committee) => {
                const ids = p2p
                  .peers()
                  .filter((p) => p.role === "cn" && committee.some((a) => equalBytes(a, p.address)));
                p2p.sendDirect(
                  ids.map((p) => p.id),
                  "consensus",
                  encoded,
                );
              },
            },
          },
        );
      }
      const consensusEngine = engine;
      const sync = new BlockSync(
        {},
        {
          logger: logger.child({ module: "sync" }),
          chain,
          p2p,
          verify: makeImportVerifier(governance),
          recoverSenders,
          verifiedPayload: consensusEngine ? (hash) => consensusEngine.verifiedPayload(hash) : undefined,
        },
      );
      const network = new NodeNetwork(
        { role: opts.role },
        { logger: logger.child({ module: "net" }), p2p, chain, pool, sync, engine, sigVerifier, metrics },
      );
      await p2p.start();
      closers.push({ name: "p2p", close: () => p2p.close() });
      await network.start();
      closers.push({ name: "network", close: () => network.close() });
      closers.push({ name: "sync", close: () => sync.close() });
      if (engine) {
        const e = engine;
        closers.push({ name: "consensus", close: () => e.close() });
        // A proposal sent before the council is connected is lost and costs a whole round timeout, so
        // wait (boundedly) until enough council peers are up to reach a quorum.
        const council = governance.councilAfter(chain.head().header);
        await waitForPeers(p2p, (p) => p.role === "cn", quorumSize(council.length) - 1, COUNCIL_WAIT_MS);
        e.start();
      }

      const node = new KnodeNode(opts, logger, chain, pool, p2p, nodeAddress, sigVerifier, closers);
      const backend = new ChainRpcBackend(
        { chainId, networkId: opts.networkId ?? chainId, clientVersion: CLIENT_VERSION },
        { chain, pool, executor, peerCount: () => p2p.peers().length, onLocalTx: (tx) => network.broadcastTx(tx) },
      );
      if (opts.rpc.enabled || opts.ws.enabled) {
        const apis = [...new Set([...(opts.rpc.enabled ? opts.rpc.api : []), ...(opts.ws.enabled ? opts.ws.api : [])])];
        const isValidator = () => governance.councilAfter(chain.head().header).some((v) => equalBytes(v, nodeAddress));
        const server = new RpcServer(
          {
            host: opts.rpc.addr,
            httpPort: opts.rpc.enabled ? opts.rpc.port : null,
            wsPort: opts.ws.enabled ? opts.ws.port : null,
            modules: apis,
            corsDomains: opts.corsDomains,
            vhosts: opts.vhosts,
          },
          {
            logger: logger.child({ module: "rpc" }),
            backend,
            methods: {
              ...buildMethodTable(backend, { keccak256 }),
              ...consensusMethods({ chain, backend, governance }),
              ...adminMethods(p2p, {
                address: nodeAddress,
                get validator() {
                  return isValidator();
                },
              }),
            },
          },
        );
        node.endpoints = await server.start();
        closers.push({ name: "rpc", close: () => server.close() });
      }
      logger.info(
        {
          role: opts.role,
          address: bytesToHex(nodeAddress),
          peerId: p2p.nodeInfo().id,
          chainId: chainId.toString(),
          head: chain.headNumber.toString(),
          rpc: node.endpoints.httpUrl,
          ws: node.endpoints.wsUrl,
        },
        "node started",
      );
      return node;
    } catch (e) {
      await closeAll(closers, logger);
      throw e;
    }
  }

  async close(): Promise<void> {
    await closeAll(this.closers, this.logger);
    this.logger.info("node stopped");
  }
}

/** `workers` 0 keeps recovery on the main thread; otherwise a worker pool of that size. */
function createSigVerifier(workers: number, logger: Logger): SigVerifier {
  if (workers <= 0) return new MainThreadSigVerifier();
  return new PoolSigVerifier({ threads: workers }, { logger });
}

async function closeAll(closers: Closer[], logger: Logger): Promise<void> {
  for (const c of closers.splice(0).reverse()) {
    try {
      await c.close();
    } catch (e) {
      logger.warn({ err: errorMessage(e), module: c.name }, "close failed");
    }
  }
}

/** After each new head: metrics, and the pool drops what the block included. */
function watchHead(chain: Chain, pool: TxPool, metrics: NodeMetrics, logger: Logger): void {
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
}

/** Resolves once `count` connected peers match, or after `timeoutMs` (whichever comes first). */
function waitForPeers(
  p2p: P2PNetwork,
  match: (p: PeerInfo) => boolean,
  count: number,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve) => {
    const enough = () => p2p.peers().filter(match).length >= count;
    if (enough()) return resolve();
    const done = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    const off = p2p.onPeer("connected", () => {
      if (enough()) done();
    });
  });
}

// Loads per benchmark size. `default` keeps the whole run under a minute on a 2-core machine (process
// start-ups included) while every case still runs long enough to mean something: several full blocks for
// the load cases, 1,000-tx blocks on a 10,000-account state for the execution cases. `rate` (tx/s) paces
// the load like steady client traffic, so latency measures the network rather than a burst's own queue;
// without it the load is sent as fast as the node takes it. The localnet is offered 1,100 tx/s, a little
// above its 1,000 TPS target, so its TPS shows whether it carries the target rather than echoing the
// offered rate; 10 s of load keeps the partly empty first and last blocks from hiding it.
export const SIZES = {
  small: {
    "recover-main": { txs: 1000 },
    "single-cn": { txs: 2000, senders: 20, batch: 200 },
    "single-cn-erc20": { txs: 1000, senders: 20, batch: 200 },
    "localnet-4cn": { txs: 1000, senders: 50, batch: 100, rate: 1000 },
    sync: { txs: 600, senders: 20, blocks: 30 },
    "exec-transfer": { accounts: 2000, blocks: 2, txsPerBlock: 1000 },
    "exec-erc20": { accounts: 2000, blocks: 1, txsPerBlock: 1000 },
  },
  default: {
    "recover-main": { txs: 4000 },
    "single-cn": { txs: 8000, senders: 40, batch: 200 },
    "single-cn-erc20": { txs: 8000, senders: 40, batch: 200 },
    "localnet-4cn": { txs: 11000, senders: 100, batch: 100, rate: 1100 },
    sync: { txs: 3000, senders: 40, blocks: 60 },
    "exec-transfer": { accounts: 10000, blocks: 4, txsPerBlock: 1000 },
    "exec-erc20": { accounts: 10000, blocks: 3, txsPerBlock: 1000 },
  },
  large: {
    "recover-main": { txs: 20000 },
    "single-cn": { txs: 40000, senders: 200, batch: 500 },
    "single-cn-erc20": { txs: 20000, senders: 200, batch: 500 },
    "localnet-4cn": { txs: 22000, senders: 200, batch: 200, rate: 1100 },
    sync: { txs: 12000, senders: 100, blocks: 400 },
    "exec-transfer": { accounts: 50000, blocks: 10, txsPerBlock: 1000 },
    "exec-erc20": { accounts: 50000, blocks: 10, txsPerBlock: 1000 },
  },
};

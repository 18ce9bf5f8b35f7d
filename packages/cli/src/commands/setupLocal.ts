import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bytesToHex } from "@knode/common";
import { addressToHex, privateKeyToAddress, privateKeyToPublicKey, randomPrivateKey } from "@knode/crypto";
import { p2pMultiaddr, peerIdFromNodePublicKey } from "@knode/p2p";
import { type GenesisSpec, genesisExtraData, genesisToJson } from "@knode/types";
import { CliError, CliErrorCode } from "../errors.js";

export interface SetupLocalOptions {
  cn: number;
  validators?: number;
  pn: number;
  en: number;
  testAccounts: number;
  chainId: number;
  blockPeriod: number;
  basePort: number;
  rpcBasePort: number;
  out: string;
}

export const defaultSetupLocalOptions: Omit<SetupLocalOptions, "out" | "cn"> = {
  pn: 0,
  en: 0,
  testAccounts: 4,
  chainId: 1000,
  blockPeriod: 1,
  basePort: 32323,
  rpcBasePort: 8551,
};

export interface NetworkNode {
  name: string;
  role: "cn" | "pn" | "en";
  datadir: string;
  args: string[];
  rpc: string;
  ws: string;
  p2p: string;
  validator?: string;
}

/** network.json (SPEC §2): what localnet, scripts and tests read to run and reach the network. */
export interface NetworkDescription {
  chainId: number;
  genesis: string;
  nodes: NetworkNode[];
  testAccounts: { address: string; privateKey: string }[];
}

/** Each test account starts with 10^9 KAIA (10^27 kei). */
const TEST_ACCOUNT_BALANCE = 10n ** 27n;
const LOCAL_RPC_APIS = "klay,eth,net,web3,admin,txpool,istanbul,governance,debug";

/**
 * homi-like generator: keys, genesis with the CN council in extraData, funded test accounts, static nodes
 * and network.json. Node i (cn first, then pn, then en) listens on basePort+i for p2p and on
 * rpcBasePort+2i / rpcBasePort+2i+1 for HTTP / WebSocket RPC.
 */
export function setupLocal(o: SetupLocalOptions): NetworkDescription {
  if (o.cn < 1) throw new CliError(CliErrorCode.USAGE, "--cn must be at least 1");
  const validators = o.validators ?? o.cn;
  if (validators < 1 || validators > o.cn)
    throw new CliError(CliErrorCode.USAGE, "--validators must be from 1 to --cn");
  if (existsSync(o.out) && readdirSync(o.out).length > 0) {
    throw new CliError(CliErrorCode.USAGE, `output directory ${o.out} is not empty`);
  }
  const total = o.cn + o.pn + o.en;
  if (o.basePort + total > 65535 || o.rpcBasePort + 2 * total > 65535) {
    throw new CliError(CliErrorCode.USAGE, "ports out of range");
  }
  mkdirSync(o.out, { recursive: true });

  const roles: ("cn" | "pn" | "en")[] = [
    ...Array<"cn">(o.cn).fill("cn"),
    ...Array<"pn">(o.pn).fill("pn"),
    ...Array<"en">(o.en).fill("en"),
  ];
  const counters = { cn: 0, pn: 0, en: 0 };
  const nodes: (NetworkNode & { key: Uint8Array })[] = roles.map((role, i) => {
    const name = `${role}${counters[role]++}`;
    const key = randomPrivateKey();
    const peerId = peerIdFromNodePublicKey(privateKeyToPublicKey(key));
    const rpcPort = o.rpcBasePort + 2 * i;
    const wsPort = rpcPort + 1;
    const p2pPort = o.basePort + i;
    const isValidator = role === "cn" && i < validators;
    return {
      name,
      role,
      datadir: name,
      key,
      args: [
        "--role",
        role,
        "--datadir",
        name,
        "--port",
        String(p2pPort),
        "--rpc",
        "--rpcaddr",
        "127.0.0.1",
        "--rpcport",
        String(rpcPort),
        "--rpcapi",
        LOCAL_RPC_APIS,
        "--ws",
        "--wsaddr",
        "127.0.0.1",
        "--wsport",
        String(wsPort),
        "--wsapi",
        LOCAL_RPC_APIS,
      ],
      rpc: `http://127.0.0.1:${rpcPort}`,
      ws: `ws://127.0.0.1:${wsPort}`,
      p2p: p2pMultiaddr("127.0.0.1", p2pPort, peerId),
      ...(isValidator ? { validator: addressToHex(privateKeyToAddress(key)) } : {}),
    };
  });

  const testAccounts = Array.from({ length: o.testAccounts }, () => {
    const key = randomPrivateKey();
    return { address: addressToHex(privateKeyToAddress(key)), privateKey: bytesToHex(key) };
  });
  const council = nodes.filter((n) => n.validator).map((n) => privateKeyToAddress(n.key));
  const spec: GenesisSpec = {
    config: {
      chainId: BigInt(o.chainId),
      istanbul: { epoch: 604800n, policy: 0, sub: 21 },
      governance: {
        governanceMode: "single",
        governingNode: addressToHex(council[0]),
        reward: { mintingAmount: 9_600_000_000_000_000_000n, ratio: "100/0/0" },
      },
      unitPrice: 25_000_000_000n,
      blockPeriod: o.blockPeriod,
    },
    timestamp: BigInt(Math.floor(Date.now() / 1000)),
    extraData: genesisExtraData(council),
    governanceData: new Uint8Array(0),
    blockScore: 1n,
    alloc: new Map(testAccounts.map((a) => [a.address, { balance: TEST_ACCOUNT_BALANCE }])),
  };
  writeFileSync(path.join(o.out, "genesis.json"), genesisToJson(spec));

  for (const n of nodes) {
    const klay = path.join(o.out, n.datadir, "klay");
    mkdirSync(klay, { recursive: true });
    writeFileSync(path.join(klay, "nodekey"), bytesToHex(n.key).slice(2), { mode: 0o600 });
    writeFileSync(path.join(klay, "static-nodes.json"), `${JSON.stringify(staticPeersOf(n, nodes), null, 2)}\n`);
  }
  const description: NetworkDescription = {
    chainId: o.chainId,
    genesis: "genesis.json",
    nodes: nodes.map(({ key: _key, ...rest }) => rest),
    testAccounts,
  };
  writeFileSync(path.join(o.out, "network.json"), `${JSON.stringify(description, null, 2)}\n`);
  return description;
}

/** SPEC §5 topology: CNs know the other CNs and the PNs; PNs know CNs and PNs; ENs know PNs. */
function staticPeersOf(self: NetworkNode, all: NetworkNode[]): string[] {
  const wants: Record<NetworkNode["role"], NetworkNode["role"][]> = { cn: ["cn", "pn"], pn: ["cn", "pn"], en: ["pn"] };
  return all.filter((n) => n !== self && wants[self.role].includes(n.role)).map((n) => n.p2p);
}

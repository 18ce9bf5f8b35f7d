import solc from "solc";

/** A small ERC-20-like token; `transient` makes solc emit TSTORE/TLOAD, PUSH0 comes with any 0.8.20+ output. */
export const TOKEN_SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

contract Token {
  mapping(address => uint256) public balanceOf;
  uint256 transient private entered;

  event Transfer(address indexed from, address indexed to, uint256 value);
  error Custom(uint256 code);

  constructor(uint256 supply) {
    balanceOf[msg.sender] = supply;
    emit Transfer(address(0), msg.sender, supply);
  }

  function transfer(address to, uint256 value) external returns (bool) {
    require(entered == 0, "reentered");
    entered = 1;
    require(balanceOf[msg.sender] >= value, "insufficient balance");
    unchecked { balanceOf[msg.sender] -= value; }
    balanceOf[to] += value;
    emit Transfer(msg.sender, to, value);
    entered = 0;
    return true;
  }

  function divide(uint256 x) external pure returns (uint256) { return 10 / x; }
  function custom() external pure { revert Custom(7); }
  function who() external view returns (address, uint256, uint256) { return (msg.sender, tx.gasprice, block.basefee); }
}
`;

export interface Compiled {
  bytecode: Uint8Array;
  deployedBytecode: Uint8Array;
  evmVersion: string;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<
    string,
    Record<string, { evm: { bytecode: { object: string }; deployedBytecode: { object: string } }; metadata: string }>
  >;
}

let cached: Compiled | undefined;

/** Compiles once per process (solc-js takes ~100 ms), with solc's default EVM version. */
export function compileToken(): Compiled {
  if (cached) return cached;
  cached = compileContracts(TOKEN_SOURCE).Token;
  return cached;
}

const compiledSources = new Map<string, Record<string, Compiled>>();

/** Every contract of one Solidity source (memoized per source), optimizer on, solc's default EVM version. */
export function compileContracts(source: string): Record<string, Compiled> {
  const done = compiledSources.get(source);
  if (done) return done;
  const input = {
    language: "Solidity",
    sources: { "Main.sol": { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { "*": { "*": ["evm.bytecode.object", "evm.deployedBytecode.object", "metadata"] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const result: Record<string, Compiled> = {};
  for (const [name, c] of Object.entries(out.contracts["Main.sol"])) {
    result[name] = {
      bytecode: Uint8Array.from(Buffer.from(c.evm.bytecode.object, "hex")),
      deployedBytecode: Uint8Array.from(Buffer.from(c.evm.deployedBytecode.object, "hex")),
      evmVersion: (JSON.parse(c.metadata) as { settings: { evmVersion: string } }).settings.evmVersion,
    };
  }
  compiledSources.set(source, result);
  return result;
}

/** Opcodes present in `code`, skipping PUSH immediates. */
export function opcodesOf(code: Uint8Array): Set<number> {
  const seen = new Set<number>();
  for (let i = 0; i < code.length; i++) {
    const op = code[i];
    seen.add(op);
    if (op >= 0x60 && op <= 0x7f) i += op - 0x5f;
  }
  return seen;
}

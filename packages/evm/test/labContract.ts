import { concatBytes } from "@knode/common";
import { keccak256 } from "@knode/crypto";
import { word } from "./helpers.js";
import { compileContracts } from "./solc.js";

/**
 * Contracts for differential tests: Lab exercises one EVM feature per function (refunds, failures,
 * creation, selfdestruct, value calls, nesting, transient storage, logs, precompiles, block env);
 * Child's constructor mode picks how a creation ends.
 */
export const LAB_SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

contract Child {
  uint256 public pinged;
  constructor(uint256 mode) payable {
    assembly {
      switch mode
      case 1 { revert(0, 0) }
      case 2 { invalid() }
      case 3 { mstore8(0, 0xef) return(0, 1) }
      case 4 { return(0, 24577) }
      case 5 { selfdestruct(caller()) }
      case 6 { for {} 1 {} {} }
      case 7 { sstore(0, 1) sstore(0, 0) }
    }
  }
  function ping(uint256 x) external payable { pinged = x; }
  function kill(address to) external { selfdestruct(payable(to)); }
}

contract Lab {
  mapping(uint256 => uint256) public slots;
  uint256 transient tval;
  event E(uint256 indexed a, uint256 b);

  receive() external payable {}

  function set(uint256 k, uint256 v) external payable { slots[k] = v; }

  function setTwice(uint256 k, uint256 v) external { slots[k] = v; slots[k] = 0; slots[k] = v; }

  function fail(uint256 mode) external {
    slots[1000 + mode] = block.number;
    emit E(mode, 1);
    assembly {
      switch mode
      case 0 { revert(0, 0) }
      case 1 { invalid() }
      case 2 { for {} 1 {} {} }
      case 3 { mstore(0, 0x08c379a0) revert(28, 4) }
      default { pop(mload(0xffffffffff)) }
    }
  }

  function deploy(uint256 mode, uint256 value) external payable returns (address a) {
    bytes memory init = abi.encodePacked(type(Child).creationCode, abi.encode(mode));
    assembly { a := create(value, add(init, 32), mload(init)) }
    slots[2000 + mode] = uint256(uint160(a));
  }

  function deploy2(uint256 mode, bytes32 salt) external payable returns (address a) {
    bytes memory init = abi.encodePacked(type(Child).creationCode, abi.encode(mode));
    assembly { a := create2(callvalue(), add(init, 32), mload(init), salt) }
    slots[2100 + mode] = uint256(uint160(a));
  }

  function deployAndKill(address to) external payable {
    Child c = new Child{value: msg.value}(0);
    c.ping(7);
    c.kill(to);
    slots[3000] = address(c).code.length;
  }

  function killOld(address child, address to) external { Child(child).kill(to); }

  function sendTo(address to, uint256 v) external payable {
    (bool ok, ) = to.call{value: v}("");
    slots[4000] = ok ? 1 : 2;
  }

  function nested(address other, uint256 k, uint256 v) external {
    Lab(payable(other)).set(k, v);
    (bool ok, ) = other.delegatecall(abi.encodeCall(Lab.set, (k + 1, v)));
    slots[5000] = ok ? 1 : 2;
    try Lab(payable(other)).fail(v % 5) {} catch { slots[5001] += 1; }
  }

  function useTransient(uint256 v) external {
    slots[6001] = tval;
    tval = v;
    this.readTransient();
    slots[6002] = tval;
  }

  function readTransient() external { slots[6003] = tval; }

  function logs(uint256 n, bytes32 t) external {
    assembly {
      mstore(0, t)
      switch mod(n, 5)
      case 0 { log0(0, 32) }
      case 1 { log1(0, 32, t) }
      case 2 { log2(0, 32, t, n) }
      case 3 { log3(0, 32, t, n, caller()) }
      default { log4(0, 32, t, n, caller(), origin()) }
    }
  }

  function precompiles(bytes32 h, uint8 v, bytes32 r, bytes32 s, bytes calldata data) external {
    slots[7000] = uint256(uint160(ecrecover(h, v, r, s)));
    slots[7001] = uint256(sha256(data));
    (bool ok, bytes memory out) = address(4).staticcall(data);
    slots[7002] = ok ? out.length : 999;
    slots[7003] = uint256(keccak256(out));
  }

  function env() external payable {
    slots[8000] = uint256(blockhash(block.number - 1));
    slots[8001] = block.timestamp;
    slots[8002] = block.number;
    slots[8003] = uint256(uint160(address(block.coinbase)));
    slots[8004] = block.basefee;
    slots[8005] = block.chainid;
    slots[8006] = tx.gasprice;
    slots[8007] = uint256(uint160(tx.origin));
    slots[8008] = address(this).balance;
    slots[8009] = gasleft();
    slots[8010] = tx.origin.balance;
  }

  function burn(uint256 n) external { for (uint256 i; i < n; i++) slots[9000 + i] = i + 1; }

  function clearRange(uint256 from, uint256 n) external { for (uint256 i; i < n; i++) delete slots[from + i]; }
}
`;

export function compileLab(): { lab: Uint8Array; child: Uint8Array } {
  const out = compileContracts(LAB_SOURCE);
  return { lab: out.Lab.bytecode, child: out.Child.bytecode };
}

/** ABI call data for `signature` with static arguments (each a word or a 20/32-byte value) and an optional trailing `bytes`. */
export function abiCall(signature: string, args: (bigint | Uint8Array)[], bytes?: Uint8Array): Uint8Array {
  const selector = keccak256(new TextEncoder().encode(signature)).subarray(0, 4);
  const head = args.map((a) => (typeof a === "bigint" ? word(a) : leftPad(a)));
  if (bytes === undefined) return concatBytes(selector, ...head);
  const padded = new Uint8Array(Math.ceil(bytes.length / 32) * 32);
  padded.set(bytes);
  const offset = BigInt((args.length + 1) * 32);
  return concatBytes(selector, ...head, word(offset), word(BigInt(bytes.length)), padded);
}

function leftPad(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  out.set(b, 32 - b.length);
  return out;
}

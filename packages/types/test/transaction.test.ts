import { bytesToHex, hexToBytes, isKnodeError } from "@knode/common";
import { keccak256, privateKeyToAddress, randomPrivateKey, recoverAddress, SECP256K1_N } from "@knode/crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeTransaction,
  effectiveGasPrice,
  effectiveGasTip,
  encodeTransaction,
  intrinsicGas,
  maxInitCodeSize,
  recoverTransactionSender,
  signTransaction,
  type Transaction,
  TxType,
  TypesErrorCode,
  transactionSignature,
  transactionSigningHash,
  type UnsignedTransaction,
  validateTransaction,
} from "../src/index.js";
import { readFixture } from "./fixtures.js";

type Vector = Record<string, unknown> & {
  type: string;
  name?: string;
  rawTx?: string;
  sigHash?: string;
  sender?: string;
  txHash?: string;
  privateKey?: string;
  signerChainId?: string;
  fields?: Record<string, string>;
  derivedByFixtureAuthor?: Record<string, unknown>;
  cases?: {
    case: string;
    sigHash: string;
    txHashAfterSigningWithPrivateKey?: string;
    derivedByFixtureAuthor: { chainIdThatReproducesSigHash: string };
  }[];
};
const txVectors = readFixture<Vector[]>("klaytn/tx-vectors.json");

function expectTxError(fn: () => unknown): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(isKnodeError(err, TypesErrorCode.INVALID_TX), String(err)).toBe(true);
}

const hex = (b: Uint8Array) => bytesToHex(b);

describe("klaytn tx-vectors: Ethereum transactions", () => {
  it("Legacy doc example", () => {
    const v = txVectors.find((x) => x.type === "TxTypeLegacyTransaction" && x.rawTx && x.txHash && x.fields);
    if (!v?.rawTx || !v.fields) throw new Error("vector missing");
    const tx = decodeTransaction(hexToBytes(v.rawTx));
    expect(hex(tx.hash)).toBe(v.txHash);
    expect(hex(transactionSigningHash(tx))).toBe(v.sigHash);
    expect(tx.chainId).toBe(1n);
    expect(tx.nonce).toBe(BigInt(v.fields.nonce));
    expect(hex(recoverTransactionSender(tx))).toBe(v.fields.from);
    expect(hex(privateKeyToAddress(hexToBytes(String(v.privateKey))))).toBe(v.fields.from);
  });

  const withSender = txVectors.filter(
    (x) => x.type === "TxTypeLegacyTransaction" && x.rawTx && (x.sender || x.derivedByFixtureAuthor),
  );
  it.each(withSender.map((v) => [v.name ?? v.type, v] as const))("%s", (_n, v) => {
    const raw = hexToBytes(String(v.rawTx));
    const d = v.derivedByFixtureAuthor ?? {};
    const expectedSender = (v.sender ?? d.sender ?? d.addressOfPrivateKey) as string | undefined;
    if (expectedSender === undefined) throw new Error(`no sender for ${v.name}`);
    const sigBytes = v["signatureBytes(r||s||recid)"];
    if (typeof sigBytes === "string" && BigInt(`0x${sigBytes.slice(66, 130)}`) > SECP256K1_N / 2n) {
      // rightvrsTx carries a high s: Klaytn's test only checks the hash, but EIP-2 makes it invalid.
      expectTxError(() => decodeTransaction(raw));
      expect(hex(recoverAddress(hexToBytes(String(v.sigHash)), hexToBytes(sigBytes)))).toBe(
        expectedSender.toLowerCase(),
      );
      return;
    }
    const tx = decodeTransaction(raw);
    expect(hex(recoverTransactionSender(tx))).toBe(expectedSender.toLowerCase());
    if (v.signerChainId) expect(tx.chainId ?? 1n).toBe(BigInt(v.signerChainId));
    if (v.sigHash) expect(hex(transactionSigningHash(tx))).toBe(v.sigHash);
    if (typeof d.txHash === "string") expect(hex(tx.hash)).toBe(d.txHash);
    expect(encodeTransaction(tx)).toEqual(raw);
  });

  it("emptyTx EIP-155 signing hash", () => {
    const v = txVectors.find((x) => x.name?.startsWith("emptyTx"));
    if (!v?.fields) throw new Error("vector missing");
    const tx: UnsignedTransaction = {
      type: TxType.Legacy,
      chainId: 1n,
      nonce: 0n,
      gasPrice: 0n,
      maxFeePerGas: 0n,
      maxPriorityFeePerGas: 0n,
      gasLimit: 0n,
      to: hexToBytes(v.fields.to),
      value: 0n,
      data: new Uint8Array(0),
      accessList: [],
    };
    expect(hex(transactionSigningHash(tx))).toBe(v.sigHash);
  });

  // Klaytn wraps Ethereum typed txs in a 0x78 envelope; without it they are plain EIP-2718 bytes.
  const typed = txVectors.filter((x) => x.name === "signedEip2718Tx" || x.name === "signedEip1559Tx");
  it.each(typed.map((v) => [v.name, v] as const))("%s without the 0x78 prefix", (_n, v) => {
    const raw = hexToBytes(String(v.rawTx)).subarray(1);
    const tx = decodeTransaction(raw);
    const d = v.derivedByFixtureAuthor ?? {};
    const hashKey = Object.keys(d).find((k) => k.startsWith("txHash"));
    expect(hex(tx.hash)).toBe(d[hashKey ?? ""]);
    expect(hex(transactionSigningHash(tx))).toBe(v.sigHash);
    expect(hex(transactionSignature(tx))).toBe(v["signatureBytes(r||s||recid)"]);
    expect(hex(recoverTransactionSender(tx))).toBe(d.sender);
    expect(encodeTransaction(tx)).toEqual(raw);
  });

  const signerCases = txVectors.filter((x) => x.cases);
  it.each(signerCases.map((v) => [v.name, v] as const))("%s", (_n, v) => {
    const type = v.type === "TxTypeEthereumAccessList" ? TxType.AccessList : TxType.DynamicFee;
    for (const c of v.cases ?? []) {
      const chainId = BigInt(c.derivedByFixtureAuthor.chainIdThatReproducesSigHash);
      const unsigned: UnsignedTransaction = {
        type,
        chainId,
        nonce: 1n,
        gasPrice: 0n,
        maxFeePerGas: 0n,
        maxPriorityFeePerGas: 0n,
        gasLimit: 0n,
        to: null,
        value: 0n,
        data: new Uint8Array(0),
        accessList: [],
      };
      expect(hex(transactionSigningHash(unsigned))).toBe(c.sigHash);
      if (c.txHashAfterSigningWithPrivateKey) {
        const signed = signTransaction(unsigned, hexToBytes(String(v.privateKey)));
        expect(hex(signed.hash)).toBe(c.txHashAfterSigningWithPrivateKey);
        expectTxError(() => validateTransaction(signed, chainId + 1n));
      }
    }
  });
});

interface TxTest {
  key: string;
  nonce: number;
  gasprice: number;
  startgas: number;
  to: string;
  value: number;
  data: string;
  unsigned: string;
  signed: string;
}

describe("BasicTests/txtest.json", () => {
  const tests = readFixture<TxTest[]>("ethereum-tests/BasicTests/txtest.json");
  it.each(tests.map((t, i) => [i, t] as const))("vector %d", (_i, t) => {
    const tx: UnsignedTransaction = {
      type: TxType.Legacy,
      nonce: BigInt(t.nonce),
      gasPrice: BigInt(t.gasprice),
      maxFeePerGas: BigInt(t.gasprice),
      maxPriorityFeePerGas: BigInt(t.gasprice),
      gasLimit: BigInt(t.startgas),
      to: t.to === "" ? null : hexToBytes(`0x${t.to}`),
      value: BigInt(t.value),
      data: hexToBytes(`0x${t.data}`),
      accessList: [],
    };
    const key = hexToBytes(`0x${t.key}`);
    const signed = signTransaction(tx, key);
    const expected = hexToBytes(`0x${t.signed}`);
    if (hex(signed.raw) === hex(expected)) {
      expect(hex(recoverTransactionSender(decodeTransaction(expected)))).toBe(hex(privateKeyToAddress(key)));
      return;
    }
    // The file predates EIP-2: where it holds the high-s twin, we produce its low-s form and reject it.
    expectTxError(() => decodeTransaction(expected));
    const twin = { ...signed, s: SECP256K1_N - signed.s, v: signed.v === 27n ? 28n : 27n };
    expect(hex(encodeTransaction(twin))).toBe(hex(expected));
    expect(hex(keccak256(hexToBytes(`0x${t.unsigned}`)))).not.toBe(hex(signed.hash));
  });
});

const base = {
  nonce: 7n,
  gasLimit: 100_000n,
  to: new Uint8Array(20).fill(0xaa),
  value: 10n ** 18n,
  data: Uint8Array.of(0, 1, 2, 0),
};

function unsignedOf(type: TxType, chainId: bigint | undefined): UnsignedTransaction {
  return {
    ...base,
    type,
    chainId,
    gasPrice: 30n,
    maxFeePerGas: 30n,
    maxPriorityFeePerGas: type === TxType.DynamicFee ? 2n : 30n,
    accessList:
      type === TxType.Legacy
        ? []
        : [{ address: new Uint8Array(20).fill(1), storageKeys: [new Uint8Array(32), new Uint8Array(32).fill(9)] }],
  };
}

describe("signTransaction", () => {
  it.each([
    ["legacy pre-EIP-155", TxType.Legacy, undefined],
    ["legacy EIP-155", TxType.Legacy, 1001n],
    ["EIP-2930", TxType.AccessList, 1001n],
    ["EIP-1559", TxType.DynamicFee, 1001n],
  ] as const)("%s round-trips through decode and recovery", (_n, type, chainId) => {
    const key = randomPrivateKey();
    const signed = signTransaction(unsignedOf(type, chainId), key);
    expect(signed.sender).toEqual(privateKeyToAddress(key));
    const decoded = decodeTransaction(signed.raw);
    expect(decoded.hash).toEqual(keccak256(signed.raw));
    expect({ ...decoded, sender: undefined }).toEqual({ ...signed, sender: undefined });
    expect(recoverTransactionSender(decoded)).toEqual(privateKeyToAddress(key));
    expect(() => validateTransaction(decoded, 1001n)).not.toThrow();
    if (chainId !== undefined) expectTxError(() => validateTransaction(decoded, 1n));
    if (type === TxType.Legacy)
      expect(signed.v).toBe(
        chainId === undefined
          ? 27n + BigInt(transactionSignature(signed)[64])
          : chainId * 2n + 35n + BigInt(transactionSignature(signed)[64]),
      );
  });

  it("refuses a typed transaction without a chain id", () => {
    expectTxError(() => signTransaction(unsignedOf(TxType.DynamicFee, undefined), randomPrivateKey()));
  });
});

describe("decodeTransaction edge cases", () => {
  const key = randomPrivateKey();
  const legacy = signTransaction(unsignedOf(TxType.Legacy, 1n), key);
  const dynamic = signTransaction(unsignedOf(TxType.DynamicFee, 1n), key);

  it("rejects high s, zero r, bad y-parity, unknown types and trailing bytes", () => {
    expectTxError(() => decodeTransaction(encodeTransaction({ ...legacy, s: SECP256K1_N - legacy.s })));
    expectTxError(() => decodeTransaction(encodeTransaction({ ...legacy, r: 0n })));
    expectTxError(() => decodeTransaction(encodeTransaction({ ...dynamic, v: 2n })));
    expectTxError(() => decodeTransaction(encodeTransaction({ ...legacy, v: 36n })));
    expectTxError(() => decodeTransaction(Uint8Array.of(0x03, ...dynamic.raw.subarray(1))));
    expectTxError(() => decodeTransaction(Uint8Array.of(...dynamic.raw, 0)));
    expectTxError(() => decodeTransaction(new Uint8Array(0)));
    expectTxError(() => decodeTransaction(Uint8Array.of(0x02)));
  });

  it("rejects a signature that recovers nothing at the sender layer", () => {
    // r = 5 is no curve point's x (5^3+7 is a non-residue mod p) but passes the static range checks.
    const tx = decodeTransaction(encodeTransaction({ ...legacy, r: 5n }));
    expectTxError(() => recoverTransactionSender(tx));
  });

  it("decode either throws TYPES_INVALID_TX or re-encodes to the same bytes (fast-check)", () => {
    const seeds = [legacy.raw, dynamic.raw, signTransaction(unsignedOf(TxType.AccessList, 1n), key).raw];
    const mutated = fc
      .tuple(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      )
      .map(([seed, edits]) => {
        const b = seed.slice();
        for (const [pos, val] of edits) b[pos % b.length] = val;
        return b;
      });
    const arbitrary = fc.oneof(mutated, fc.uint8Array({ maxLength: 200 }));
    fc.assert(
      fc.property(arbitrary, (bytes) => {
        let tx: Transaction;
        try {
          tx = decodeTransaction(bytes);
        } catch (e) {
          expect(isKnodeError(e, TypesErrorCode.INVALID_TX), String(e)).toBe(true);
          return;
        }
        expect(encodeTransaction(tx)).toEqual(bytes);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("gas rules", () => {
  it("intrinsic gas at Cancun", () => {
    const call = { to: new Uint8Array(20), data: Uint8Array.of(0, 1, 0, 2), accessList: [] };
    expect(intrinsicGas(call)).toBe(21000n + 4n * 2n + 16n * 2n);
    const create = { to: null, data: new Uint8Array(33).fill(1), accessList: [] };
    expect(intrinsicGas(create)).toBe(53000n + 16n * 33n + 2n * 2n);
    const withList = {
      ...call,
      accessList: [{ address: new Uint8Array(20), storageKeys: [new Uint8Array(32), new Uint8Array(32)] }],
    };
    expect(intrinsicGas(withList)).toBe(intrinsicGas(call) + 2400n + 2n * 1900n);
  });

  it("initcode size and intrinsic gas are enforced by validateTransaction", () => {
    const key = randomPrivateKey();
    const create = { ...unsignedOf(TxType.DynamicFee, 1n), to: null, gasLimit: 10_000_000n };
    const ok = signTransaction({ ...create, data: new Uint8Array(maxInitCodeSize) }, key);
    expect(() => validateTransaction(ok, 1n)).not.toThrow();
    expectTxError(() =>
      validateTransaction(signTransaction({ ...create, data: new Uint8Array(maxInitCodeSize + 1) }, key), 1n),
    );
    expectTxError(() => validateTransaction(signTransaction({ ...create, gasLimit: 53_000n }, key), 1n));
    expectTxError(() => validateTransaction(signTransaction({ ...create, maxPriorityFeePerGas: 31n }, key), 1n));
  });

  it("effective gas price and tip", () => {
    const t = { maxFeePerGas: 100n, maxPriorityFeePerGas: 10n };
    expect(effectiveGasPrice(t, 50n)).toBe(60n);
    expect(effectiveGasTip(t, 50n)).toBe(10n);
    expect(effectiveGasPrice(t, 95n)).toBe(100n);
    expect(effectiveGasTip(t, 95n)).toBe(5n);
    expect(effectiveGasTip(t, 120n)).toBe(-20n);
    const legacy = { maxFeePerGas: 30n, maxPriorityFeePerGas: 30n };
    expect(effectiveGasPrice(legacy, 25n)).toBe(30n);
    expect(effectiveGasTip(legacy, 25n)).toBe(5n);
  });
});

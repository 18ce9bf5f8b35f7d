import { MainThreadSigVerifier, randomPrivateKey } from "@knode/crypto";
import {
  decodeTransaction,
  encodeTransaction,
  signTransaction,
  type Transaction,
  TxType,
  transactionSignature,
  transactionSigningHash,
} from "@knode/types";

/** A transfer as it arrives from the wire: decoded from its bytes, sender not yet recovered. */
export function wireTx(nonce: bigint, key: Uint8Array = randomPrivateKey()): Transaction {
  const signed = signTransaction(
    {
      type: TxType.DynamicFee,
      chainId: 1000n,
      nonce,
      gasPrice: 30n,
      maxFeePerGas: 30n,
      maxPriorityFeePerGas: 1n,
      gasLimit: 21_000n,
      to: new Uint8Array(20).fill(0xcc),
      value: 1n,
      data: new Uint8Array(0),
      accessList: [],
    },
    key,
  );
  return decodeTransaction(signed.raw);
}

/** Same tx with an r for which no curve point exists: well-formed, but no sender recovers from it. */
export async function unrecoverable(tx: Transaction): Promise<Transaction> {
  const v = new MainThreadSigVerifier();
  for (let r = 2n; ; r++) {
    const bad = { ...tx, r, sender: undefined };
    const [addr] = await v.recoverAddresses([
      { hash: transactionSigningHash(bad), signature: transactionSignature(bad) },
    ]);
    // Re-encoded so that raw and hash carry the bad signature too (a block is sent as raw bytes).
    if (addr === null) return decodeTransaction(encodeTransaction(bad));
  }
}

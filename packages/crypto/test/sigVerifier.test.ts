import { isKnodeError } from "@knode/common";
import { describe, expect, it } from "vitest";
import {
  CryptoErrorCode,
  keccak256,
  MainThreadSigVerifier,
  privateKeyToAddress,
  randomPrivateKey,
  sign,
} from "../src/index.js";

describe("MainThreadSigVerifier", () => {
  it("returns one address per job and null for invalid signatures, in order", async () => {
    const keys = [randomPrivateKey(), randomPrivateKey(), randomPrivateKey()];
    const jobs = keys.map((k, i) => {
      const hash = keccak256(Uint8Array.of(i));
      return { hash, signature: sign(hash, k) };
    });
    const broken = { hash: jobs[0].hash, signature: jobs[0].signature.slice(0, 64) };
    const zeroR = { hash: jobs[1].hash, signature: new Uint8Array(65) };
    const v = new MainThreadSigVerifier();
    const out = await v.recoverAddresses([jobs[0], broken, jobs[1], zeroR, jobs[2]]);
    expect(out).toEqual([
      privateKeyToAddress(keys[0]),
      null,
      privateKeyToAddress(keys[1]),
      null,
      privateKeyToAddress(keys[2]),
    ]);
    expect(await v.recoverAddresses([])).toEqual([]);
    // It answers inside the call, so gossip intake is never told to back off by it.
    expect(v.canAcceptWork()).toBe(true);
    await v.close();
    await expect(v.recoverAddresses(jobs)).rejects.toSatisfy((e: unknown) =>
      isKnodeError(e, CryptoErrorCode.VERIFIER_CLOSED),
    );
  });
});

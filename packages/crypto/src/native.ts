import { CryptoError, CryptoErrorCode } from "./errors.js";
import { nativeKeccak } from "./keccak.js";
import { nativeSecp256k1 } from "./secp256k1.js";

/** Throws CRYPTO_NATIVE_MISSING when a native binding failed to load; the node calls it at startup. */
export function assertNativeCrypto(): void {
  const missing: string[] = [];
  if (!nativeKeccak) missing.push("keccak");
  if (!nativeSecp256k1) missing.push("secp256k1");
  if (missing.length > 0) {
    throw new CryptoError(
      { code: CryptoErrorCode.NATIVE_MISSING, missing },
      `native crypto binding(s) missing: ${missing.join(", ")} (the pure-JS fallback is ~30x slower)`,
    );
  }
}

import { KnodeError } from "@knode/common";

export enum CryptoErrorCode {
  NATIVE_MISSING = "CRYPTO_NATIVE_MISSING",
  INVALID_SIGNATURE = "CRYPTO_INVALID_SIGNATURE",
  INVALID_PRIVATE_KEY = "CRYPTO_INVALID_PRIVATE_KEY",
  INVALID_PUBLIC_KEY = "CRYPTO_INVALID_PUBLIC_KEY",
  INVALID_ADDRESS = "CRYPTO_INVALID_ADDRESS",
  KEYSTORE_INVALID = "CRYPTO_KEYSTORE_INVALID",
  KEYSTORE_WRONG_PASSWORD = "CRYPTO_KEYSTORE_WRONG_PASSWORD",
  VERIFIER_CLOSED = "CRYPTO_VERIFIER_CLOSED",
  WORKER_MISSING = "CRYPTO_WORKER_MISSING",
}

export type CryptoErrorType =
  | { code: CryptoErrorCode.NATIVE_MISSING; missing: string[] }
  | { code: CryptoErrorCode.INVALID_SIGNATURE; reason: string }
  | { code: CryptoErrorCode.INVALID_PRIVATE_KEY }
  | { code: CryptoErrorCode.INVALID_PUBLIC_KEY }
  | { code: CryptoErrorCode.INVALID_ADDRESS; value: string }
  | { code: CryptoErrorCode.KEYSTORE_INVALID; field: string }
  | { code: CryptoErrorCode.KEYSTORE_WRONG_PASSWORD }
  | { code: CryptoErrorCode.VERIFIER_CLOSED }
  | { code: CryptoErrorCode.WORKER_MISSING; path: string };

export class CryptoError extends KnodeError<CryptoErrorType> {
  constructor(type: CryptoErrorType, message?: string) {
    super(type, message);
    this.name = "CryptoError";
  }
}

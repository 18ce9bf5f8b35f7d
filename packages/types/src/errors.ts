import { KnodeError } from "@knode/common";

export enum TypesErrorCode {
  INVALID_RLP = "TYPES_INVALID_RLP",
  /** A well-formed RLP item of the wrong shape or width for its field. */
  INVALID_FIELD = "TYPES_INVALID_FIELD",
  INVALID_TX = "TYPES_INVALID_TX",
  INVALID_HEADER = "TYPES_INVALID_HEADER",
  INVALID_EXTRA = "TYPES_INVALID_EXTRA",
  INVALID_SEAL = "TYPES_INVALID_SEAL",
  INVALID_BLOCK = "TYPES_INVALID_BLOCK",
  INVALID_RECEIPT = "TYPES_INVALID_RECEIPT",
  INVALID_GENESIS = "TYPES_INVALID_GENESIS",
}

export type TypesErrorType =
  | { code: TypesErrorCode.INVALID_RLP }
  | { code: TypesErrorCode.INVALID_FIELD; field: string }
  | { code: TypesErrorCode.INVALID_TX; field?: string }
  | { code: TypesErrorCode.INVALID_HEADER; field?: string }
  | { code: TypesErrorCode.INVALID_EXTRA; field?: string }
  | { code: TypesErrorCode.INVALID_SEAL; index?: number }
  | { code: TypesErrorCode.INVALID_BLOCK; field?: string }
  | { code: TypesErrorCode.INVALID_RECEIPT; field?: string }
  | { code: TypesErrorCode.INVALID_GENESIS; field: string };

export class TypesError extends KnodeError<TypesErrorType> {
  constructor(type: TypesErrorType, message?: string) {
    super(type, message);
    this.name = "TypesError";
  }
}

type WrappingCode =
  | TypesErrorCode.INVALID_TX
  | TypesErrorCode.INVALID_HEADER
  | TypesErrorCode.INVALID_EXTRA
  | TypesErrorCode.INVALID_BLOCK
  | TypesErrorCode.INVALID_RECEIPT;

/**
 * Runs a decoder and re-labels low-level failures (bad RLP, a bad field) with the domain code the caller
 * branches on, keeping the message that names the field.
 */
export function withTypesCode<T>(code: WrappingCode, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TypesError) {
      if (e.type.code === code) throw e;
      const field = e.type.code === TypesErrorCode.INVALID_FIELD ? e.type.field : undefined;
      throw new TypesError({ code, field }, `invalid ${what}: ${e.message}`);
    }
    throw e;
  }
}

/**
 * Every error the node raises on purpose is a KnodeError carrying a typed metadata object whose `code`
 * names the domain and the reason (e.g. `TXPOOL_NONCE_TOO_LOW`). Callers branch on `err.type.code`,
 * never on message text; the RPC layer maps codes to JSON-RPC errors.
 */
export class KnodeError<T extends { code: string } = { code: string }> extends Error {
  readonly type: T;

  constructor(type: T, message?: string) {
    super(message ?? type.code);
    this.type = type;
    this.name = "KnodeError";
  }

  get code(): T["code"] {
    return this.type.code;
  }
}

export function isKnodeError(err: unknown, code?: string): err is KnodeError {
  return err instanceof KnodeError && (code === undefined || err.type.code === code);
}

/** Message of any thrown value, for logs and one-line CLI errors. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

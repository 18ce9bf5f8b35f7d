import { KnodeError } from "@knode/common";

export enum DbErrorCode {
  /** Another process (or another handle in this process) holds the LevelDB LOCK file. */
  LOCKED = "DB_LOCKED",
  OPEN_FAILED = "DB_OPEN_FAILED",
}

export type DbErrorType =
  | { code: DbErrorCode.LOCKED; path: string }
  | { code: DbErrorCode.OPEN_FAILED; path: string; reason: string };

export class DbError extends KnodeError<DbErrorType> {
  constructor(type: DbErrorType, message?: string) {
    super(type, message);
    this.name = "DbError";
  }
}

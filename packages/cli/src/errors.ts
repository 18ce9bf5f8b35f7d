import { KnodeError } from "@knode/common";

export enum CliErrorCode {
  BAD_FLAG = "CLI_BAD_FLAG",
  BAD_CONFIG = "CLI_BAD_CONFIG",
  USAGE = "CLI_USAGE",
}

export class CliError extends KnodeError<{ code: CliErrorCode }> {
  constructor(code: CliErrorCode, message: string) {
    super({ code }, message);
  }
}

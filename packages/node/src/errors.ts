import { KnodeError } from "@knode/common";

export enum NodeErrorCode {
  /** A block carries a transaction whose signature recovers no sender: the whole block is invalid. */
  BAD_TX_SIGNATURE = "NODE_BAD_TX_SIGNATURE",
}

export type NodeErrorType = { code: NodeErrorCode.BAD_TX_SIGNATURE; index: number; hash: string; reason: string };

export class NodeError extends KnodeError<NodeErrorType> {
  constructor(type: NodeErrorType, message?: string) {
    super(type, message);
    this.name = "NodeError";
  }
}

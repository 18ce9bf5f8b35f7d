import { KnodeError } from "@knode/common";

export enum P2PErrorCode {
  INVALID_OPTIONS = "P2P_INVALID_OPTIONS",
  NOT_STARTED = "P2P_NOT_STARTED",
  STATIC_NODES_INVALID = "P2P_STATIC_NODES_INVALID",
  UNSUPPORTED_PEER_KEY = "P2P_UNSUPPORTED_PEER_KEY",
  PEER_NOT_CONNECTED = "P2P_PEER_NOT_CONNECTED",
  INVALID_FRAME = "P2P_INVALID_FRAME",
  INVALID_STATUS = "P2P_INVALID_STATUS",
  STATUS_MISMATCH = "P2P_STATUS_MISMATCH",
  TOPOLOGY_REFUSED = "P2P_TOPOLOGY_REFUSED",
  STATUS_DECLINED = "P2P_STATUS_DECLINED",
  TOO_MANY_PEERS = "P2P_TOO_MANY_PEERS",
  METHOD_RESERVED = "P2P_METHOD_RESERVED",
  METHOD_ALREADY_HANDLED = "P2P_METHOD_ALREADY_HANDLED",
  TOPIC_NOT_ALLOWED = "P2P_TOPIC_NOT_ALLOWED",
  MESSAGE_TOO_LARGE = "P2P_MESSAGE_TOO_LARGE",
  REQUEST_TIMEOUT = "P2P_REQUEST_TIMEOUT",
  RATE_LIMITED = "P2P_RATE_LIMITED",
  RESPONSE_TOO_MANY_CHUNKS = "P2P_RESPONSE_TOO_MANY_CHUNKS",
  RESPONSE_TOO_LARGE = "P2P_RESPONSE_TOO_LARGE",
  REMOTE_ERROR = "P2P_REMOTE_ERROR",
  INVALID_REQUEST = "P2P_INVALID_REQUEST",
}

export type P2PErrorType =
  | { code: P2PErrorCode.INVALID_OPTIONS; reason: string }
  | { code: P2PErrorCode.NOT_STARTED }
  | { code: P2PErrorCode.STATIC_NODES_INVALID; path: string; reason: string }
  | { code: P2PErrorCode.UNSUPPORTED_PEER_KEY; peerId: string }
  | { code: P2PErrorCode.PEER_NOT_CONNECTED; peerId: string }
  | { code: P2PErrorCode.INVALID_FRAME; reason: string }
  | { code: P2PErrorCode.INVALID_STATUS; reason: string }
  | { code: P2PErrorCode.STATUS_MISMATCH; field: "chainId" | "genesisHash" }
  | { code: P2PErrorCode.TOPOLOGY_REFUSED; local: string; remote: string }
  | { code: P2PErrorCode.STATUS_DECLINED; peerId: string }
  | { code: P2PErrorCode.TOO_MANY_PEERS; role: string }
  | { code: P2PErrorCode.METHOD_RESERVED; method: string }
  | { code: P2PErrorCode.METHOD_ALREADY_HANDLED; method: string }
  | { code: P2PErrorCode.TOPIC_NOT_ALLOWED; kind: string }
  | { code: P2PErrorCode.MESSAGE_TOO_LARGE; size: number; max: number }
  | { code: P2PErrorCode.REQUEST_TIMEOUT; method: string; peerId: string }
  | { code: P2PErrorCode.RATE_LIMITED; method: string }
  | { code: P2PErrorCode.RESPONSE_TOO_MANY_CHUNKS; method: string; max: number }
  | { code: P2PErrorCode.RESPONSE_TOO_LARGE; method: string; max: number }
  | { code: P2PErrorCode.REMOTE_ERROR; method: string; remoteCode: number; message: string }
  | { code: P2PErrorCode.INVALID_REQUEST; reason: string };

export class P2PError extends KnodeError<P2PErrorType> {}

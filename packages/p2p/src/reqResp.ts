import { bytesToUtf8, isKnodeError, type Logger, utf8ToBytes } from "@knode/common";
import type { PeerId, Stream } from "@libp2p/interface";
import type { KnodeLibp2p } from "./createKnodeLibp2p.js";
import { P2PError, P2PErrorCode } from "./errors.js";
import { readFrames, readOneFrame, writeCodedFrame, writeFrame } from "./framing.js";
import type { P2PStats, PenaltySeverity } from "./interface.js";
import { type RateLimit, TokenBuckets } from "./rateLimiter.js";

export function requestProtocol(method: string): string {
  return `/klay/req/${method}/1`;
}

/** First byte of every response frame. */
export enum ResponseCode {
  OK = 0,
  INVALID_REQUEST = 1,
  SERVER_ERROR = 2,
  RATE_LIMITED = 3,
}

/** Error texts are for logs only; cap them so an error frame cannot be used to ship data. */
const MAX_ERROR_MESSAGE_BYTES = 256;

export type ServerHandler = (body: Uint8Array, peer: PeerId) => AsyncIterable<Uint8Array>;

export interface ReqRespOptions {
  maxRequestBytes: number;
  maxResponseChunkBytes: number;
  maxResponseChunks: number;
  maxResponseBytes: number;
  requestTimeoutMs: number;
  maxInboundRequestStreams: number;
  rateLimits: Record<string, RateLimit>;
  defaultRateLimit: RateLimit;
}

export interface ReqRespModules {
  libp2p: KnodeLibp2p;
  logger: Logger;
  stats: P2PStats;
  penalize(peerId: string, severity: PenaltySeverity, reason: string): void;
}

export interface ResponseCaps {
  maxChunks?: number;
  maxBytes?: number;
}

/** Per-request overrides of the global caps (internal protocols such as status know their exact size). */
export interface RequestOptions {
  timeoutMs?: number;
  maxChunks?: number;
  maxBytes?: number;
}

/**
 * `/klay/req/<method>/1`: the requester writes one frame (the body) and closes its side; the responder
 * answers with frames `[code] ‖ payload` and closes. Both sides cap sizes, counts and time.
 */
export class ReqResp {
  private readonly buckets = new TokenBuckets();
  private readonly streams = new Set<Stream>();
  private readonly methods = new Set<string>();

  constructor(
    private readonly opts: ReqRespOptions,
    private readonly modules: ReqRespModules,
  ) {}

  /** `caps` tightens the global response caps for a method whose answers have a known bound. */
  async register(method: string, handler: ServerHandler, caps: ResponseCaps = {}): Promise<void> {
    this.methods.add(method);
    const limits: Required<ResponseCaps> = {
      maxChunks: caps.maxChunks ?? this.opts.maxResponseChunks,
      maxBytes: caps.maxBytes ?? this.opts.maxResponseBytes,
    };
    await this.modules.libp2p.handle(
      requestProtocol(method),
      (stream, connection) => this.serve(method, handler, limits, stream, connection.remotePeer),
      { maxInboundStreams: this.opts.maxInboundRequestStreams, maxOutboundStreams: this.opts.maxInboundRequestStreams },
    );
  }

  async request(peer: PeerId, method: string, body: Uint8Array, o: RequestOptions = {}): Promise<Uint8Array[]> {
    const { stats, libp2p } = this.modules;
    const id = peer.toString();
    const maxChunks = o.maxChunks ?? this.opts.maxResponseChunks;
    const maxBytes = o.maxBytes ?? this.opts.maxResponseBytes;
    const timeoutMs = o.timeoutMs ?? this.opts.requestTimeoutMs;
    const timeout = () => new P2PError({ code: P2PErrorCode.REQUEST_TIMEOUT, method, peerId: id });
    const conn = libp2p.getConnections(peer).find((c) => c.status === "open");
    if (conn === undefined) throw new P2PError({ code: P2PErrorCode.PEER_NOT_CONNECTED, peerId: id });
    stats.requestsSent++;
    const signal = AbortSignal.timeout(timeoutMs);
    let stream: Stream | undefined;
    const onAbort = () => stream?.abort(timeout());
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      stream = await conn.newStream(requestProtocol(method), { signal });
      this.streams.add(stream);
      await writeFrame(stream, body, signal);
      await stream.close({ signal });
      const out: Uint8Array[] = [];
      let bytes = 0;
      for await (const frame of readFrames(stream, this.opts.maxResponseChunkBytes + 1)) {
        if (frame.length === 0) throw this.misbehaved(id, "empty response frame");
        const payload = frame.subarray(1);
        if (frame[0] !== ResponseCode.OK) throw remoteError(method, frame[0], payload);
        if (out.length >= maxChunks) {
          throw this.misbehaved(id, "too many chunks", {
            code: P2PErrorCode.RESPONSE_TOO_MANY_CHUNKS,
            method,
            max: maxChunks,
          });
        }
        bytes += payload.length;
        if (bytes > maxBytes) {
          throw this.misbehaved(id, "response too large", {
            code: P2PErrorCode.RESPONSE_TOO_LARGE,
            method,
            max: maxBytes,
          });
        }
        out.push(payload);
      }
      return out;
    } catch (err) {
      stats.requestsFailed++;
      if (signal.aborted) throw timeout();
      if (isKnodeError(err, P2PErrorCode.INVALID_FRAME)) this.modules.penalize(id, "low", `bad ${method} response`);
      if (stream !== undefined && stream.status === "open")
        stream.abort(err instanceof Error ? err : new Error(String(err)));
      throw err;
    } finally {
      signal.removeEventListener("abort", onAbort);
      if (stream !== undefined) this.streams.delete(stream);
    }
  }

  forgetPeer(peerId: string): void {
    this.buckets.forget(`${peerId}/`);
  }

  async close(): Promise<void> {
    const { libp2p } = this.modules;
    for (const s of this.streams) s.abort(new Error("closing"));
    this.streams.clear();
    await libp2p.unhandle([...this.methods].map(requestProtocol)).catch(() => {});
    this.methods.clear();
  }

  private misbehaved(
    peerId: string,
    reason: string,
    type: ConstructorParameters<typeof P2PError>[0] = { code: P2PErrorCode.INVALID_FRAME, reason },
  ): P2PError {
    this.modules.penalize(peerId, "low", reason);
    return new P2PError(type, reason);
  }

  private async serve(
    method: string,
    handler: ServerHandler,
    caps: Required<ResponseCaps>,
    stream: Stream,
    peer: PeerId,
  ): Promise<void> {
    const { stats, penalize, logger } = this.modules;
    const id = peer.toString();
    this.streams.add(stream);
    const timer = setTimeout(
      () => stream.abort(new P2PError({ code: P2PErrorCode.REQUEST_TIMEOUT, method, peerId: id })),
      this.opts.requestTimeoutMs,
    );
    try {
      let body: Uint8Array | null;
      try {
        body = await readOneFrame(stream, this.opts.maxRequestBytes);
      } catch (err) {
        // Only a broken or hostile implementation sends an oversized or truncated frame.
        if (isKnodeError(err, P2PErrorCode.INVALID_FRAME)) penalize(id, "fatal", `garbage on ${method}`);
        stream.abort(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (body === null) {
        stream.abort(new Error("no request"));
        return;
      }
      const limit = this.opts.rateLimits[method] ?? this.opts.defaultRateLimit;
      if (!this.buckets.tryTake(`${id}/${method}`, limit)) {
        stats.requestsRateLimited++;
        penalize(id, "high", `rate limit on ${method}`);
        await writeCodedFrame(stream, ResponseCode.RATE_LIMITED, utf8ToBytes("rate limited"));
        await stream.close();
        return;
      }
      stats.requestsServed++;
      await this.respond(method, handler, caps, body, stream, peer);
      await stream.close();
    } catch (err) {
      logger.debug({ method, peer: id, err: String(err) }, "request stream failed");
      if (stream.status === "open") stream.abort(err instanceof Error ? err : new Error(String(err)));
    } finally {
      clearTimeout(timer);
      this.streams.delete(stream);
    }
  }

  private async respond(
    method: string,
    handler: ServerHandler,
    caps: Required<ResponseCaps>,
    body: Uint8Array,
    stream: Stream,
    peer: PeerId,
  ): Promise<void> {
    let chunks = 0;
    let bytes = 0;
    try {
      for await (const chunk of handler(body, peer)) {
        // Our own caps are the same as the requester's: stop rather than get the peer to penalise us.
        if (chunks >= caps.maxChunks || chunk.length > this.opts.maxResponseChunkBytes) break;
        if (bytes + chunk.length > caps.maxBytes) break;
        chunks++;
        bytes += chunk.length;
        await writeCodedFrame(stream, ResponseCode.OK, chunk);
      }
    } catch (err) {
      const invalid = isKnodeError(err, P2PErrorCode.INVALID_REQUEST);
      if (invalid) this.modules.penalize(peer.toString(), "low", `invalid ${method} request`);
      else this.modules.logger.warn({ method, err: String(err) }, "request handler failed");
      const message = utf8ToBytes(err instanceof Error ? err.message : String(err)).subarray(
        0,
        MAX_ERROR_MESSAGE_BYTES,
      );
      await writeCodedFrame(stream, invalid ? ResponseCode.INVALID_REQUEST : ResponseCode.SERVER_ERROR, message);
    }
  }
}

function remoteError(method: string, code: number, payload: Uint8Array): P2PError {
  const message = bytesToUtf8(payload.subarray(0, MAX_ERROR_MESSAGE_BYTES));
  if (code === ResponseCode.RATE_LIMITED) return new P2PError({ code: P2PErrorCode.RATE_LIMITED, method }, message);
  return new P2PError({ code: P2PErrorCode.REMOTE_ERROR, method, remoteCode: code, message }, message);
}

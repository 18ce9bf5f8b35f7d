import { isKnodeError, type Logger } from "@knode/common";
import type { PeerId, Stream } from "@libp2p/interface";
import type { KnodeLibp2p } from "./createKnodeLibp2p.js";
import { P2PErrorCode } from "./errors.js";
import { encodeFrame, readFrames } from "./framing.js";
import type { P2PStats, PenaltySeverity } from "./interface.js";

export const CONSENSUS_DIRECT_PROTOCOL = "/klay/consensus/1";

export interface DirectMessengerOptions {
  maxDirectBytes: number;
  maxDirectBufferBytes: number;
  dialTimeoutMs: number;
}

export interface DirectMessengerModules {
  libp2p: KnodeLibp2p;
  logger: Logger;
  stats: P2PStats;
  penalize(peerId: string, severity: PenaltySeverity, reason: string): void;
  /** Called for every message received; the owner queues it for validation. */
  onMessage(data: Uint8Array, from: PeerId): void;
}

interface Outbound {
  stream?: Stream;
  opening?: Promise<Stream | undefined>;
}

/**
 * Consensus messages to committee members go over one long-lived stream per peer rather than one stream
 * per message: a consensus round sends several messages a second to each peer and stream negotiation
 * would cost a round trip each time.
 */
export class DirectMessenger {
  private readonly outbound = new Map<string, Outbound>();
  private readonly inbound = new Set<Stream>();

  constructor(
    private readonly opts: DirectMessengerOptions,
    private readonly modules: DirectMessengerModules,
  ) {}

  async start(): Promise<void> {
    await this.modules.libp2p.handle(
      CONSENSUS_DIRECT_PROTOCOL,
      (stream, conn) => this.receive(stream, conn.remotePeer),
      {
        maxInboundStreams: 2,
        maxOutboundStreams: 2,
      },
    );
  }

  /** Best effort: a message to a peer that is gone or too slow to drain is dropped, not queued forever. */
  send(peer: PeerId, data: Uint8Array): void {
    const { stats } = this.modules;
    const id = peer.toString();
    if (data.length > this.opts.maxDirectBytes) {
      stats.directDropped++;
      return;
    }
    const frame = encodeFrame(data);
    let out = this.outbound.get(id);
    if (out === undefined) {
      out = {};
      this.outbound.set(id, out);
    }
    const stream = out.stream;
    if (stream !== undefined && stream.status === "open" && stream.writeStatus === "writable") {
      this.write(stream, frame);
      return;
    }
    out.opening ??= this.open(peer, out);
    const opening = out.opening;
    void opening.then((s) => {
      if (s === undefined) stats.directDropped++;
      else this.write(s, frame);
    });
  }

  dropPeer(peerId: string): void {
    const out = this.outbound.get(peerId);
    this.outbound.delete(peerId);
    out?.stream?.abort(new Error("peer dropped"));
  }

  close(): void {
    for (const id of [...this.outbound.keys()]) this.dropPeer(id);
    for (const s of this.inbound) s.abort(new Error("closing"));
    this.inbound.clear();
  }

  private write(stream: Stream, frame: Uint8Array): void {
    const { stats } = this.modules;
    if (stream.writeBufferLength + frame.length > this.opts.maxDirectBufferBytes) {
      stats.directDropped++;
      return;
    }
    try {
      stream.send(frame);
      stats.directSent++;
    } catch {
      stats.directDropped++;
    }
  }

  private async open(peer: PeerId, out: Outbound): Promise<Stream | undefined> {
    const { libp2p, logger } = this.modules;
    try {
      const conn = libp2p.getConnections(peer).find((c) => c.status === "open");
      if (conn === undefined) return undefined;
      const stream = await conn.newStream(CONSENSUS_DIRECT_PROTOCOL, {
        signal: AbortSignal.timeout(this.opts.dialTimeoutMs),
      });
      out.stream = stream;
      stream.addEventListener("close", () => {
        if (out.stream === stream) out.stream = undefined;
      });
      return stream;
    } catch (err) {
      logger.debug({ peer: peer.toString(), err: String(err) }, "direct stream open failed");
      return undefined;
    } finally {
      out.opening = undefined;
    }
  }

  private async receive(stream: Stream, peer: PeerId): Promise<void> {
    const { stats, penalize, onMessage } = this.modules;
    this.inbound.add(stream);
    try {
      for await (const frame of readFrames(stream, this.opts.maxDirectBytes)) {
        stats.directReceived++;
        onMessage(frame, peer);
      }
      await stream.close();
    } catch (err) {
      if (isKnodeError(err, P2PErrorCode.INVALID_FRAME)) penalize(peer.toString(), "fatal", "garbage direct message");
      if (stream.status === "open") stream.abort(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.inbound.delete(stream);
    }
  }
}

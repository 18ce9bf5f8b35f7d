import { bytesToHex } from "@knode/common";
import { type ConsensusMessage, MessageCode } from "../messages/consensusMessage.js";

export interface BacklogLimits {
  maxPerSender: number;
  maxTotal: number;
  maxBytes: number;
}

interface Entry {
  msg: ConsensusMessage;
  sender: string;
  bytes: number;
}

/**
 * Messages for views this node has not reached yet (a later round, a later height), kept until it gets
 * there. Bounded per sender, in count and in bytes, so a peer cannot grow it without limit; when a bound is
 * hit the new message is refused (the sender keeps resending while it stays in that view).
 */
export class MessageBacklog {
  private entries: Entry[] = [];
  private readonly perSender = new Map<string, number>();
  private bytes = 0;

  constructor(private readonly limits: BacklogLimits) {}

  get size(): number {
    return this.entries.length;
  }

  add(msg: ConsensusMessage): boolean {
    const sender = bytesToHex(msg.signer);
    const count = this.perSender.get(sender) ?? 0;
    const bytes = messageBytes(msg);
    if (count >= this.limits.maxPerSender || this.entries.length >= this.limits.maxTotal) return false;
    if (this.bytes + bytes > this.limits.maxBytes) return false;
    this.entries.push({ msg, sender, bytes });
    this.perSender.set(sender, count + 1);
    this.bytes += bytes;
    return true;
  }

  /** Removes and returns the messages matching `pred`, oldest first. */
  take(pred: (m: ConsensusMessage) => boolean): ConsensusMessage[] {
    const out: ConsensusMessage[] = [];
    const keep: Entry[] = [];
    for (const e of this.entries) {
      if (pred(e.msg)) {
        out.push(e.msg);
        this.forget(e);
      } else {
        keep.push(e);
      }
    }
    this.entries = keep;
    return out;
  }

  /** Distinct senders with a message for a height above `height`, and the highest such height. */
  aheadOf(height: bigint): { senders: Uint8Array[]; maxHeight: bigint } {
    const seen = new Map<string, Uint8Array>();
    let maxHeight = height;
    for (const e of this.entries) {
      if (e.msg.height <= height) continue;
      seen.set(e.sender, e.msg.signer);
      if (e.msg.height > maxHeight) maxHeight = e.msg.height;
    }
    return { senders: [...seen.values()], maxHeight };
  }

  private forget(e: Entry): void {
    const c = (this.perSender.get(e.sender) ?? 1) - 1;
    if (c <= 0) this.perSender.delete(e.sender);
    else this.perSender.set(e.sender, c);
    this.bytes -= e.bytes;
  }
}

function messageBytes(m: ConsensusMessage): number {
  if (m.code === MessageCode.RoundChange && m.certificate) return m.certificate.blockBytes.length + 1024;
  return m.signedBytes.length;
}

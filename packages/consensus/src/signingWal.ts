import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import path from "node:path";
import { ConsensusError, ConsensusErrorCode } from "./errors.js";

/** What a consensus signature commits to. */
export type SignedKind = "proposal" | "commit" | "prepare" | "roundchange";

interface SignedRecord {
  h: string;
  r: number;
  t: SignedKind;
  d: string;
}

/**
 * Write-ahead record of everything this node has signed, keyed by (height, round, kind). A record is
 * appended and fsynced *before* the signature exists, so after a crash at any instant the node knows every
 * digest it might have signed and refuses to sign a different one for the same slot — the double-sign that
 * Klaytn's in-memory lock cannot rule out across restarts. A torn last line (crash mid-append) is ignored:
 * its signature was never produced.
 */
export class SigningWal {
  private readonly file: string;
  private fd: number;
  private readonly records = new Map<string, string>();
  private readonly roundsByHeight = new Map<bigint, number>();

  private constructor(file: string, fd: number) {
    this.file = file;
    this.fd = fd;
  }

  /** Opens (creating) `dir/signed.log`, keeping only heights ≥ `keepFromHeight` when it compacts. */
  static open(dir: string, keepFromHeight = 0n): SigningWal {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "signed.log");
    const kept: SignedRecord[] = [];
    if (existsSync(file)) {
      const lines = readFileSync(file, "utf8").split("\n");
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (line === "") continue;
        const rec = parseRecord(line);
        if (!rec) {
          if (i >= lines.length - 2) continue; // torn tail from a crash mid-append
          throw new ConsensusError(
            { code: ConsensusErrorCode.WAL_CORRUPT, path: file, reason: `line ${i + 1}` },
            `consensus WAL ${file} is corrupt at line ${i + 1}`,
          );
        }
        if (BigInt(rec.h) >= keepFromHeight) kept.push(rec);
      }
    }
    // Compact: rewrite the kept records to a temp file and rename it over the log atomically.
    const tmp = `${file}.tmp`;
    const tfd = openSync(tmp, "w", 0o600);
    writeSync(tfd, kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
    fsyncSync(tfd);
    closeSync(tfd);
    renameSync(tmp, file);
    fsyncDir(dir);
    const wal = new SigningWal(file, openSync(file, "a", 0o600));
    for (const r of kept) wal.remember(r);
    return wal;
  }

  /** The digest signed for this slot before, if any. */
  signedDigest(height: bigint, round: number, kind: SignedKind): string | undefined {
    return this.records.get(slotKey(height, round, kind));
  }

  /** Highest round this node signed anything at for `height`. */
  highestRound(height: bigint): number | undefined {
    return this.roundsByHeight.get(height);
  }

  /**
   * Makes signing `digestHex` for the slot durable, or refuses it. Signing the same digest again is allowed
   * (a resend after restart); a different one throws DOUBLE_SIGN_REFUSED.
   */
  authorize(height: bigint, round: number, kind: SignedKind, digestHex: string): void {
    const key = slotKey(height, round, kind);
    const prev = this.records.get(key);
    if (prev !== undefined) {
      if (prev === digestHex) return;
      throw new ConsensusError(
        { code: ConsensusErrorCode.DOUBLE_SIGN_REFUSED, height: height.toString(), round, kind },
        `refusing to sign a second ${kind} at height ${height} round ${round}`,
      );
    }
    const rec: SignedRecord = { h: height.toString(), r: round, t: kind, d: digestHex };
    writeSync(this.fd, `${JSON.stringify(rec)}\n`);
    fsyncSync(this.fd);
    this.remember(rec);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  get path(): string {
    return this.file;
  }

  private remember(r: SignedRecord): void {
    this.records.set(slotKey(BigInt(r.h), r.r, r.t), r.d);
    const h = BigInt(r.h);
    const prev = this.roundsByHeight.get(h);
    if (prev === undefined || r.r > prev) this.roundsByHeight.set(h, r.r);
  }
}

function slotKey(height: bigint, round: number, kind: SignedKind): string {
  return `${height}/${round}/${kind}`;
}

function parseRecord(line: string): SignedRecord | undefined {
  try {
    const v = JSON.parse(line) as Partial<SignedRecord>;
    if (typeof v.h !== "string" || !/^\d+$/.test(v.h)) return undefined;
    if (typeof v.r !== "number" || typeof v.t !== "string" || typeof v.d !== "string") return undefined;
    return v as SignedRecord;
  } catch {
    return undefined;
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  }
}

import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { errorMessage } from "@knode/common";
import { rlpBigInt, rlpBytes, rlpDecode, rlpEncode, rlpList, rlpNumber } from "@knode/types";
import { ConsensusError, ConsensusErrorCode } from "../errors.js";

/** The prepared certificate this node is locked on, as it sits on disk. */
export interface PersistedLock {
  height: bigint;
  round: number;
  blockBytes: Uint8Array;
  /** PREPARE envelopes proving the quorum. */
  prepares: Uint8Array[];
}

const FILE = "lock.rlp";

/**
 * Durable copy of the node's prepared lock, next to the signing log. Klaytn keeps the lock in memory only,
 * so a restarted validator forgets what it prepared and may help a conflicting block to a quorum; here the
 * lock is written (temp file, fsync, rename) before the COMMIT that depends on it is signed, and read back
 * on start so round changes keep carrying it.
 */
export class LockStore {
  private readonly file: string;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, FILE);
  }

  save(lock: PersistedLock): void {
    const bytes = rlpEncode([lock.height, lock.round, lock.blockBytes, lock.prepares]);
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    fsyncDir(this.dir);
  }

  /** The stored lock, or undefined when there is none. A damaged file is an error, not "no lock". */
  load(): PersistedLock | undefined {
    if (!existsSync(this.file)) return undefined;
    try {
      const f = rlpList(rlpDecode(readFileSync(this.file)), "lock");
      if (f.length !== 4) throw new Error(`expected 4 fields, got ${f.length}`);
      return {
        height: rlpBigInt(f[0], "height", 8),
        round: rlpNumber(f[1], "round"),
        blockBytes: rlpBytes(f[2], "block"),
        prepares: rlpList(f[3], "prepares").map((p, i) => rlpBytes(p, `prepares[${i}]`)),
      };
    } catch (e) {
      throw new ConsensusError(
        { code: ConsensusErrorCode.WAL_CORRUPT, path: this.file, reason: errorMessage(e) },
        `consensus lock ${this.file} is corrupt: ${errorMessage(e)}`,
      );
    }
  }

  clear(): void {
    rmSync(this.file, { force: true });
  }
}

/** Test and single-process stand-in that keeps the lock in memory. */
export class MemoryLockStore {
  private lock: PersistedLock | undefined;

  save(lock: PersistedLock): void {
    this.lock = lock;
  }

  load(): PersistedLock | undefined {
    return this.lock;
  }

  clear(): void {
    this.lock = undefined;
  }
}

export type LockStorage = Pick<LockStore, "save" | "load" | "clear">;

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  }
}

import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { isKnodeError } from "@knode/common";
import { afterEach, describe, expect, it } from "vitest";
import { ConsensusErrorCode } from "../src/errors.js";
import { SigningWal } from "../src/signingWal.js";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), "knode-wal-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("SigningWal", () => {
  it("allows re-signing the same digest and refuses a different one, across reopen", () => {
    const dir = tempDir();
    const wal = SigningWal.open(dir);
    wal.authorize(5n, 0, "proposal", "0xaa");
    wal.authorize(5n, 0, "proposal", "0xaa");
    expect(() => wal.authorize(5n, 0, "proposal", "0xbb")).toThrowError(/refusing to sign/);
    wal.authorize(5n, 0, "commit", "0xcc");
    wal.authorize(5n, 1, "proposal", "0xbb");
    wal.close();

    const again = SigningWal.open(dir);
    let caught: unknown;
    try {
      again.authorize(5n, 0, "proposal", "0xdd");
    } catch (e) {
      caught = e;
    }
    expect(isKnodeError(caught, ConsensusErrorCode.DOUBLE_SIGN_REFUSED)).toBe(true);
    expect(again.signedDigest(5n, 0, "commit")).toBe("0xcc");
    expect(again.highestRound(5n)).toBe(1);
    expect(again.highestRound(6n)).toBeUndefined();
    again.close();
  });

  it("ignores a torn last line but refuses corruption in the middle", () => {
    const dir = tempDir();
    const wal = SigningWal.open(dir);
    wal.authorize(1n, 0, "proposal", "0x01");
    wal.close();
    appendFileSync(path.join(dir, "signed.log"), '{"h":"2","r":0,"t":"prop');
    const reopened = SigningWal.open(dir);
    expect(reopened.signedDigest(1n, 0, "proposal")).toBe("0x01");
    expect(reopened.signedDigest(2n, 0, "proposal")).toBeUndefined();
    reopened.close();

    const file = path.join(dir, "signed.log");
    writeFileSync(file, `garbage\n${readFileSync(file, "utf8")}{"h":"3","r":0,"t":"commit","d":"0x03"}\n`);
    expect(() => SigningWal.open(dir)).toThrowError(/corrupt/);
  });

  it("compacts records below the kept height", () => {
    const dir = tempDir();
    const wal = SigningWal.open(dir);
    wal.authorize(1n, 0, "proposal", "0x01");
    wal.authorize(10n, 0, "proposal", "0x10");
    wal.close();
    const compacted = SigningWal.open(dir, 5n);
    expect(compacted.signedDigest(1n, 0, "proposal")).toBeUndefined();
    expect(compacted.signedDigest(10n, 0, "proposal")).toBe("0x10");
    compacted.close();
  });
});

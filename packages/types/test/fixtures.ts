import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const FIXTURES = process.env.KNODE_FIXTURES ?? path.resolve(repoRoot, "../shared/fixtures");

export function readFixture<T>(rel: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, rel), "utf8")) as T;
}

export function listJsonFiles(relDir: string): string[] {
  const root = path.join(FIXTURES, relDir);
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".json")) out.push(path.relative(FIXTURES, p));
    }
  };
  walk(root);
  return out;
}

import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const FIXTURES = process.env.KNODE_FIXTURES ?? path.resolve(repoRoot, "../shared/fixtures");

import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));
// Unit tests run against the TypeScript sources of every workspace package, so no build is needed
// for them; the multi-process tests in test/ spawn the built binary (npm test builds first).
const alias = Object.fromEntries(
  readdirSync(`${root}packages`).map((name) => [`@knode/${name}`, `${root}packages/${name}/src/index.ts`]),
);

export default defineConfig({
  resolve: { alias },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});

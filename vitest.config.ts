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
    projects: [
      {
        resolve: { alias },
        test: { name: "unit", include: ["packages/*/test/**/*.test.ts"], testTimeout: 30_000, pool: "forks" },
      },
      {
        // Multi-process tests start real nodes; one file at a time keeps the 2-core machine from
        // starving the 1-second block schedule they observe.
        resolve: { alias },
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: "forks",
          fileParallelism: false,
        },
      },
    ],
  },
});

import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { EvmError, EvmErrorCode } from "./errors.js";

/**
 * Loads a file of @ethereumjs/evm's ESM build that the package does not export (the interpreter). ESM
 * caches modules by URL, so importing the file by its absolute URL yields the very module instance the
 * EVM itself uses, which is what lets fastInterpreterLoop.ts and jumpAnalysisCache.ts patch it. The
 * version is pinned; callers check the shape they rely on and throw EVM_UNSUPPORTED_EVM_BUILD otherwise.
 */
export async function importEvmInternal(file: string): Promise<Record<string, unknown>> {
  // The package resolves to dist/cjs/index.js under require; its ESM build sits beside it.
  const cjsIndex = createRequire(import.meta.url).resolve("@ethereumjs/evm");
  const url = pathToFileURL(path.resolve(path.dirname(cjsIndex), "../esm", file)).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw unsupportedEvmBuild(file, `did not load (${e instanceof Error ? e.message : String(e)})`);
  }
}

export function unsupportedEvmBuild(file: string, reason: string): EvmError {
  return new EvmError(
    { code: EvmErrorCode.UNSUPPORTED_EVM_BUILD, file },
    `@ethereumjs/evm is not the build knode patches (${file}: ${reason})`,
  );
}

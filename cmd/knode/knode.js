#!/usr/bin/env node
// Thin launcher of the single `knode` binary; everything lives in @knode/cli.
import { main } from "@knode/cli";

await main(process.argv);

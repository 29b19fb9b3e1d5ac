#!/usr/bin/env node
// blocksnoop's bin: parse, run, map the outcome to an exit code. Errors are one line on stderr.
import { runCli } from "./run.js";

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`blocksnoop: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);

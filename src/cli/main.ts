#!/usr/bin/env node
// blocksnoop's bin: parse, run, map the outcome to an exit code. Errors are one line on stderr.
import { setFlagsFromString } from "node:v8";
import { runCli } from "./run.js";

// The tool runs for hours beside the service it watches: favour a small heap over V8's
// throughput defaults. V8 reads this flag each time it sizes a heap after a GC, so it holds for
// this isolate from here on and for the sampler worker's: old generations grow in small steps and
// are collected sooner (while sampling a block a second: ~5 MiB less RSS, and no ratchet from one
// mark-compact to the next). It changes when memory is collected, nothing observable.
setFlagsFromString("--optimize-for-size");
// V8 doubles the young generation (up to 16 MiB semi-spaces) each time a scavenge finds many
// survivors, and the main isolate's survivors come in bursts (a block's samples and events), so
// over a 10-minute soak its new space crept up and RSS grew ~1.4 MiB/min. V8 reads this factor
// each time it grows new space (Node 20, V8 11.3 SemiSpaceNewSpace::Grow: min(max, factor ×
// capacity)): 1 keeps it at its initial size. Same idea as the sampler worker's
// maxYoungGenerationSizeMb; measured flat (-0.3 MiB/min after the first minute) where the same
// 3-minute soak grew 2.5 MiB/min.
setFlagsFromString("--semi-space-growth-factor=1");

// glibc malloc(3) raises its mmap threshold to the size of the largest mmapped block freed (up to
// 32 MiB) and its trim threshold to twice that: after the 256 KiB pieces /proc/kallsyms is read in
// were freed, every thread's arena kept up to 512 KiB free on top and served blocks of that size
// from memory it never returns. Setting the thresholds (to glibc's initial 128 KiB) turns that
// adjustment off: 1.3–2.8 MiB less RSS.
const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;
const MALLOC_THRESHOLD = 128 * 1024;

async function fixMallocThresholds(): Promise<void> {
  try {
    const { default: koffi } = await import("koffi");
    const mallopt = koffi.load("libc.so.6").func("int mallopt(int param, int value)");
    mallopt(M_MMAP_THRESHOLD, MALLOC_THRESHOLD);
    mallopt(M_TRIM_THRESHOLD, MALLOC_THRESHOLD);
  } catch {
    // not glibc (musl has no such thresholds): nothing to tune
  }
}

const argv = process.argv.slice(2);
const own = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv; // not a launched command's
// --help and --version answer at once, without loading the FFI
if (!own.some((a) => a === "-h" || a === "--help" || a === "-V" || a === "--version")) await fixMallocThresholds();

runCli(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`blocksnoop: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);

import { test } from "node:test";
import assert from "node:assert/strict";
import { requireRoot } from "../../helpers/root.js";
import { repoRoot } from "../../helpers/cli.js";
import { pythonFixture } from "./fixture.js";
import { runSession } from "./run.js";
import { LoopGapProbe, THREAD_BUCKETS, THREAD_BUCKET_BOUNDS_S, type ThreadGapStats } from "../../../src/probes/loop-gap/index.js";
import { threadBucketOf } from "../../../src/probes/loop-gap/layout.js";

const PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3";

test("threadHistograms: per-thread buckets equal the fixtures' own gaps, bucket by bucket", async (t) => {
  if (!requireRoot(t)) return;
  // Blocks well inside (5,10], (10,25], (25,50], (50,100], (100,250] ms; two processes, so two threads.
  const a = pythonFixture(PYTHON, { blocks: [{ ms: 7, how: "busy" }, { ms: 15, how: "busy" }, { ms: 35, how: "sleep" }], healthy: 20 });
  const b = pythonFixture(PYTHON, { blocks: [{ ms: 70, how: "busy" }, { ms: 150, how: "sleep" }, { ms: 15, how: "busy" }] });
  let stats: ThreadGapStats[] = [];
  // Threshold 0: every gap is also an event, the exact values the buckets saw.
  const s = await runSession([a, b], { thresholdNs: 0n, stats: false, threadHistograms: true, ringBufferBytes: 1 << 20 }, async (probe) => {
    await Promise.all([a.done, b.done]);
    stats = probe.threadStats();
  });
  assert.equal(s.dropped, 0n);
  for (let i = 0; i < 2; i++) {
    const { pid, tid } = s.ready[i]!;
    const mine = stats.find((x) => x.tid === tid);
    assert.ok(mine !== undefined, `thread ${tid} has buckets`);
    assert.equal(mine.pid, pid);
    const gaps = s.events.filter((e) => e.tid === tid).map((e) => e.endNs - e.startNs);
    const expected = new Array<bigint>(THREAD_BUCKETS).fill(0n);
    for (const g of gaps) expected[threadBucketOf(g)]! += 1n;
    assert.deepEqual(mine.counts, expected);
    assert.equal(mine.count, BigInt(gaps.length));
    assert.equal(mine.sumNs, gaps.reduce((x, y) => x + y, 0n));
    // the fixture's own truth: each block lands in the bucket of its own duration (≥ 5 ms: only blocks are that long)
    const truthPerBucket = new Array<bigint>(THREAD_BUCKETS).fill(0n);
    for (const blk of s.truth[i]!) truthPerBucket[threadBucketOf(blk.endNs - blk.startNs)]! += 1n;
    const fiveMs = THREAD_BUCKET_BOUNDS_S.indexOf(0.005);
    for (let k = fiveMs + 1; k < THREAD_BUCKETS; k++) assert.equal(mine.counts[k], truthPerBucket[k], `thread ${tid} bucket ≤ ${THREAD_BUCKET_BOUNDS_S[k] ?? "+Inf"} s`);
  }
  assert.ok(stats.every((x) => x.counts.length === THREAD_BUCKETS));
});

test("without threadHistograms threadStats() is empty", async (t) => {
  if (!requireRoot(t)) return;
  const probe = await LoopGapProbe.open({ pids: [process.pid], thresholdNs: 1_000_000n, stats: false });
  try {
    assert.deepEqual(probe.threadStats(), []);
  } finally {
    probe.close();
    await probe.whenClosed();
  }
});

test("threadStats keeps an exited thread's final buckets while its process is traced, then drops them", async (t) => {
  if (!requireRoot(t)) return;
  const { spawn } = await import("node:child_process");
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const { createInterface } = await import("node:readline");
  const dir = mkdtempSync(join(tmpdir(), "lg-retired-"));
  const py = spawn(PYTHON, [join(repoRoot, "test/fixtures/metrics/thread_exit.py"), dir], { stdio: ["ignore", "pipe", "inherit"] });
  const lines: Array<Record<string, unknown>> = [];
  createInterface({ input: py.stdout! }).on("line", (l) => lines.push(JSON.parse(l) as Record<string, unknown>)); // stdio pipe; the fixture prints JSON
  const until = async (key: string) => {
    for (let i = 0; i < 1000 && !lines.some((o) => key in o); i++) await new Promise((r) => setTimeout(r, 10));
    const hit = lines.find((o) => key in o);
    assert.ok(hit !== undefined, `fixture said ${key}`);
    return hit;
  };
  const probe = await LoopGapProbe.open({ pids: [py.pid!], thresholdNs: null, stats: true, threadHistograms: true }); // spawned: has a pid
  try {
    writeFileSync(join(dir, "go1"), "");
    const tid = Number((await until("started"))["tid"]);
    await until("blocked");
    writeFileSync(join(dir, "exit1"), "");
    await until("exited");
    probe.pruneTargets();
    const mine = probe.threadStats().find((x) => x.tid === tid);
    assert.ok(mine !== undefined, "the exited thread's buckets are still there");
    assert.equal(mine.pid, py.pid);
    assert.equal(mine.counts[threadBucketOf(80_000_000n)], 1n, "its 80 ms block, counted once");
    writeFileSync(join(dir, "end"), "");
    await new Promise((resolve) => py.on("exit", resolve));
    probe.pruneTargets();
    assert.deepEqual(probe.threadStats().filter((x) => x.pid === py.pid), [], "gone with its process");
  } finally {
    probe.close();
    await probe.whenClosed();
    py.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

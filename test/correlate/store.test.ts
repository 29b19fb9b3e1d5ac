import { test } from "node:test";
import assert from "node:assert/strict";
import { Correlator, SampleStore } from "../../src/correlate/index.js";
import type { StackSample } from "../../src/sampler/types.js";

const MS = 1_000_000n;

function sample(captureNs: bigint, phaseStartNs: bigint, fn: string, tid = 7): StackSample {
  return { pid: 1, tid, captureNs, phaseStartNs, periodNs: MS, status: "ok", frames: [{ function: fn, file: "/a.py", line: 1 }], task: null, threadName: null };
}

test("retention: a run phase is kept retentionNs after it was last sampled, then dropped", () => {
  const s = new SampleStore({ retentionNs: 100n * MS, maxSamplesPerThread: 1_000_000 });
  for (let t = 0n; t < 50n; t++) s.add(sample(t * MS, 0n, "p0"));
  for (let t = 60n; t < 70n; t++) s.add(sample(t * MS, 60n * MS, "p1"));
  s.prune(140n * MS, () => undefined); // p0 last sampled at 49 ms: 91 ms ago
  assert.equal(s.size, 60);
  s.prune(150n * MS, () => undefined); // p0: 101 ms ago → gone; p1: 81 ms ago → kept
  assert.equal(s.size, 10);
  assert.equal(s.distinctStacks, 1);
  s.prune(170n * MS, () => undefined);
  assert.equal(s.size, 0);
  assert.equal(s.distinctStacks, 0);
});

test("retention: a long run phase keeps its oldest samples while it is still being sampled", () => {
  const s = new SampleStore({ retentionNs: 100n * MS, maxSamplesPerThread: 1_000_000 });
  for (let t = 0n; t < 1000n; t++) {
    s.add(sample(t * MS, 0n, "long"));
    s.prune(t * MS, () => undefined);
  }
  assert.equal(s.size, 1000);
});

test("retention: samples a waiting block may need are kept past the horizon", () => {
  const s = new SampleStore({ retentionNs: 10n * MS, maxSamplesPerThread: 1_000_000 });
  for (let t = 0n; t < 20n; t++) s.add(sample(t * MS, t * MS, `p${t}`)); // one phase per sample
  s.prune(100n * MS, (_pid, tid) => (tid === 7 ? 5n * MS : undefined));
  assert.equal(s.size, 15);
});

test("memory stays flat on a long run: steady blocks, attributed as they come", async () => {
  const c = new Correlator({ retentionNs: 1_000n * MS, maxSamplesPerThread: 50_000 });
  let peak = 0;
  // 60 s of a loop that blocks 20 ms every 30 ms, sampled at 1 ms; other phases also sampled.
  for (let start = 0n; start < 60_000n * MS; start += 30n * MS) {
    const batch: StackSample[] = [];
    for (let t = start + 5n * MS; t <= start + 20n * MS; t += MS) batch.push(sample(t, start, `f${(start / MS) % 7n}`));
    c.ingest(batch, start + 21n * MS);
    if ((start / MS) % 60n === 0n) await c.attribute({ pid: 1, tid: 7, startNs: start, endNs: start + 20n * MS });
    peak = Math.max(peak, c.retained.samples);
  }
  assert.ok(peak <= 16 * 40, `peak ${peak} samples retained`); // ~1 s of samples at most
  assert.ok(c.retained.stacks <= 7);
});

test("the per-thread cap evicts the oldest samples and counts them", () => {
  const s = new SampleStore({ retentionNs: 10_000n * MS, maxSamplesPerThread: 100 });
  for (let t = 0n; t < 250n; t++) s.add(sample(t, 0n, "x"));
  assert.equal(s.size, 100);
  assert.equal(s.evicted, 150);
  assert.deepEqual(s.window(1, 7, 0n, 1000n)[0]?.captureNs, 150n);
});

test("out-of-order samples are kept in capture order", () => {
  const s = new SampleStore({ retentionNs: 10_000n * MS, maxSamplesPerThread: 100 });
  for (const t of [1n, 5n, 3n, 9n, 2n]) s.add(sample(t, 0n, `f${t}`));
  assert.deepEqual(s.window(1, 7, 2n, 5n).map((x) => x.captureNs), [2n, 3n, 5n]);
});

test("attributing a block releases its samples", async () => {
  const c = new Correlator();
  c.ingest([sample(1n, 0n, "a"), sample(2n, 0n, "a"), sample(9n, 8n, "b")], 10n);
  await c.attribute({ pid: 1, tid: 7, startNs: 0n, endNs: 3n });
  assert.equal(c.retained.samples, 1);
});

test("threads are told apart by pid and tid (no two ids share a key)", () => {
  const s = new SampleStore({ retentionNs: 10_000n * MS, maxSamplesPerThread: 100 });
  const at = (pid: number, tid: number, t: bigint): StackSample => ({ ...sample(t, 0n, `p${pid}t${tid}`), pid, tid });
  s.add(at(1, 23, 1n));
  s.add(at(12, 3, 2n));
  s.add(at(4_194_303, 4_194_303, 3n)); // PID_MAX_LIMIT − 1
  s.add(at(4_194_303, 4_194_302, 4n));
  assert.deepEqual(s.window(1, 23, 0n, 9n).map((x) => x.captureNs), [1n]);
  assert.deepEqual(s.window(12, 3, 0n, 9n).map((x) => x.captureNs), [2n]);
  assert.deepEqual(s.window(4_194_303, 4_194_303, 0n, 9n).map((x) => x.captureNs), [3n]);
  s.dropPid(4_194_303);
  assert.equal(s.size, 2);
});

test("a thread emptied by attribution takes new samples, and is forgotten once they are old", () => {
  const s = new SampleStore({ retentionNs: 10n * MS, maxSamplesPerThread: 100 });
  for (let t = 0n; t < 5n; t++) s.add(sample(t * MS, 0n, "a"));
  s.dropThrough(1, 7, 10n * MS); // the block was attributed
  assert.equal(s.size, 0);
  s.prune(5n * MS, () => undefined);
  for (let t = 20n; t < 25n; t++) s.add(sample(t * MS, 20n * MS, "b"));
  assert.deepEqual(s.window(1, 7, 0n, 100n * MS).map((x) => x.captureNs), [20n * MS, 21n * MS, 22n * MS, 23n * MS, 24n * MS]);
  s.dropThrough(1, 7, 30n * MS);
  s.prune(100n * MS, () => undefined);
  assert.equal(s.size, 0);
  assert.equal(s.distinctStacks, 0);
  s.add(sample(101n * MS, 101n * MS, "c"));
  assert.deepEqual(s.window(1, 7, 0n, 200n * MS).map((x) => x.captureNs), [101n * MS]);
});

test("samples of one batch share their frames array: the stack is interned once per array, correctly per content", () => {
  const s = new SampleStore({ retentionNs: 10_000n * MS, maxSamplesPerThread: 100 });
  const shared = [{ function: "f", file: "/a.py", line: 1 }];
  for (let t = 0n; t < 3n; t++) s.add({ ...sample(t, 0n, "x"), frames: shared });
  s.add({ ...sample(3n, 0n, "x"), frames: [{ function: "f", file: "/a.py", line: 1 }] }); // equal, another array
  s.add({ ...sample(4n, 0n, "x"), frames: [{ function: "f", file: "/a.py", line: 2 }] });
  assert.equal(s.distinctStacks, 2);
  const w = s.window(1, 7, 0n, 9n);
  assert.equal(w[0]?.stack, w[3]?.stack);
  assert.notEqual(w[0]?.stack, w[4]?.stack);
});

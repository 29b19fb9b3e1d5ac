import { test } from "node:test";
import assert from "node:assert/strict";
import { Correlator } from "../../src/correlate/index.js";
import type { SampleFrame, StackSample } from "../../src/sampler/types.js";

const f = (fn: string, line = 1, file = "/app/x.py"): SampleFrame => ({ function: fn, file, line });

function sample(captureNs: bigint, frames: SampleFrame[], over: Partial<StackSample> = {}): StackSample {
  return { pid: 100, tid: 100, captureNs, phaseStartNs: 0n, periodNs: 1_000_000n, status: "ok", frames, task: null, threadName: null, ...over };
}

const block = (startNs: bigint, endNs: bigint, tid = 100) => ({ pid: 100, tid, startNs, endNs });

test("exact window: one ns before start and one after end are excluded, boundaries included", async () => {
  const c = new Correlator();
  c.ingest(
    [
      sample(999n, [f("before")]),
      sample(1000n, [f("at_start")]),
      sample(1500n, [f("inside")]),
      sample(2000n, [f("at_end")]),
      sample(2001n, [f("after")]),
    ],
    3000n,
  );
  const a = await c.attribute(block(1000n, 2000n));
  assert.equal(a.samples, 3);
  assert.deepEqual(a.stacks?.map((s) => s.frames[0]?.function).sort(), ["at_end", "at_start", "inside"]);
  assert.equal(a.complete, true);
  assert.deepEqual(a.status, { kind: "ok" });
});

test("identical stacks group; weights by good samples; dominant first; torn counted not weighted", async () => {
  const c = new Correlator();
  const slow = [f("sleep", 0, "<built-in>"), f("slow", 5), f("main", 9)];
  const other = [f("other", 7), f("main", 9)];
  c.ingest(
    [
      sample(10n, other),
      sample(11n, slow),
      sample(12n, slow),
      sample(13n, [], { status: "torn" }),
      sample(14n, slow),
      sample(15n, [f("slow", 6), f("main", 9)]), // same functions, another line: another stack
    ],
    100n,
  );
  const a = await c.attribute(block(10n, 20n));
  assert.equal(a.samples, 6);
  assert.equal(a.torn, 1);
  const stacks = a.stacks ?? [];
  assert.equal(stacks.length, 3);
  assert.deepEqual(stacks.map((s) => s.samples), [3, 1, 1]);
  assert.equal(stacks[0]?.weight, 3 / 5);
  assert.deepEqual(stacks[0]?.frames.map((x) => x.function), ["sleep", "slow", "main"]);
  assert.equal(stacks[1]?.frames[0]?.function, "other"); // tie broken by first seen
  const total = stacks.reduce((n, s) => n + s.weight, 0);
  assert.ok(Math.abs(total - 1) < 1e-9);
});

test("mis-attribution: a fast callback sampled just before the block never appears in it", async () => {
  const c = new Correlator();
  const samples: StackSample[] = [];
  // fast_cb ran 1.0–3.0 ms (its own run phase), slow_cb's block is 3.1–53.1 ms.
  for (let t = 1_000_000n; t <= 3_000_000n; t += 1_000_000n) samples.push(sample(t, [f("fast_cb")], { phaseStartNs: 0n }));
  for (let t = 4_100_000n; t <= 53_000_000n; t += 1_000_000n) samples.push(sample(t, [f("slow_cb")], { phaseStartNs: 3_100_000n }));
  c.ingest(samples, 60_000_000n);
  const a = await c.attribute(block(3_100_000n, 53_100_000n));
  assert.deepEqual(a.stacks?.map((s) => s.frames[0]?.function), ["slow_cb"]);
  assert.equal(a.samples, 49);
});

test("another thread's samples are never attributed, even inside the window", async () => {
  const c = new Correlator();
  c.ingest(
    [
      sample(1500n, [f("worker")], { tid: 101 }),
      sample(1500n, [f("other_process")], { pid: 200, tid: 100 }),
      sample(1600n, [f("loop")]),
    ],
    3000n,
  );
  const a = await c.attribute(block(1000n, 2000n));
  assert.deepEqual(a.stacks?.map((s) => s.frames[0]?.function), ["loop"]);
  const none = await c.attribute(block(1000n, 2000n, 102));
  assert.deepEqual(none.stacks, []);
  assert.equal(none.samples, 0);
});

test("waits for the high-water mark to pass endNs, then includes late samples", async () => {
  const flushes: bigint[] = [];
  const c = new Correlator({ waitTimeoutMs: 1000, onWait: (e) => flushes.push(e) });
  c.ingest([sample(1100n, [f("early")])], 1500n);
  const p = c.attribute(block(1000n, 2000n));
  assert.deepEqual(flushes, [2000n]);
  c.ingest([sample(1900n, [f("late")])], 2000n); // hwm == endNs: a sample at endNs may still come
  c.ingest([sample(2000n, [f("late")])], 2001n);
  const a = await p;
  assert.equal(a.complete, true);
  assert.equal(a.samples, 3);
  assert.equal(a.stacks?.[0]?.frames[0]?.function, "late");
});

test("the wait is bounded: a stalled sampler yields what arrived, marked incomplete", async () => {
  const c = new Correlator({ waitTimeoutMs: 30 });
  c.ingest([sample(1100n, [f("early")])], 1500n);
  const t0 = Date.now();
  const a = await c.attribute(block(1000n, 2000n));
  const waited = Date.now() - t0;
  assert.equal(a.complete, false);
  assert.equal(a.samples, 1);
  assert.ok(waited >= 25 && waited < 500, `waited ${waited} ms`);
});

test("unavailable stacks: null stacks with the reason, immediately, and pending blocks released", async () => {
  const c = new Correlator({ waitTimeoutMs: 10_000 });
  const p = c.attribute(block(1000n, 2000n));
  c.markUnavailable(100, "not a Python process");
  const a = await p;
  assert.equal(a.stacks, null);
  assert.deepEqual(a.status, { kind: "unavailable", reason: "not a Python process" });
  const b = await c.attribute(block(3000n, 4000n));
  assert.deepEqual(b.status, { kind: "unavailable", reason: "not a Python process" });
});

test("the task is the one seen in most good samples", async () => {
  const c = new Correlator();
  const t1 = { name: "Task-1", coroutines: ["main"] };
  const t2 = { name: "Task-2", coroutines: ["handler", "serve"] };
  c.ingest(
    [sample(1n, [f("a")], { task: t1 }), sample(2n, [f("a")], { task: t2 }), sample(3n, [f("a")], { task: t2 }), sample(4n, [], { status: "torn", task: t1 })],
    10n,
  );
  const a = await c.attribute(block(0n, 5n));
  assert.deepEqual(a.task, t2);
});

test("source lines come from the callback, once per distinct line, errors become null", async () => {
  const calls: string[] = [];
  const c = new Correlator({
    sourceLine: (pid, file, line) => {
      calls.push(`${pid}:${file}:${line}`);
      if (line === 2) throw new Error("gone");
      return `line ${line}`;
    },
  });
  c.ingest([sample(1n, [f("a", 1), f("b", 2)]), sample(2n, [f("a", 1), f("b", 2)])], 10n);
  const a = await c.attribute(block(0n, 5n));
  assert.deepEqual(a.stacks?.[0]?.frames.map((x) => x.source), ["line 1", null]);
  assert.deepEqual(calls, ["100:/app/x.py:1", "100:/app/x.py:2"]);
});

test("weights count each sample for its period: a back-off in a long block keeps shares by time", async () => {
  const c = new Correlator();
  const ms = 1_000_000n;
  const samples: StackSample[] = [];
  // 100 ms in `first` at 1 ms, then 400 ms in `second` at 4 ms (the sampler backed off).
  for (let t = 1n; t <= 100n; t++) samples.push(sample(t * ms, [f("first")], { periodNs: ms }));
  for (let t = 104n; t <= 500n; t += 4n) samples.push(sample(t * ms, [f("second")], { periodNs: 4n * ms }));
  c.ingest(samples, 600n * ms);
  const a = await c.attribute(block(0n, 500n * ms));
  assert.deepEqual(a.stacks?.map((s) => [s.frames[0]?.function, s.samples, s.weight]), [
    ["second", 100, 0.8],
    ["first", 100, 0.2],
  ]);
});

test("a pid that becomes unreadable later keeps the stacks of blocks that ended before", async () => {
  const c = new Correlator();
  c.ingest([sample(15n, [f("early")])], 100n);
  c.markUnavailable(100, "read stacks: process is gone");
  const a = await c.attribute(block(10n, 20n));
  assert.equal(a.status.kind, "ok");
  assert.equal(a.stacks?.[0]?.frames[0]?.function, "early");
  const b = await c.attribute(block(30n, 40n));
  assert.equal(b.status.kind, "unavailable");
});

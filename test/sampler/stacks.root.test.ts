// Real BPF, real Python targets with known blocks: the blocking function must be in the dominant
// stack of every event, on every interpreter version, and nothing outside a block may leak in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { requireRoot } from "../helpers/root.js";
import { DEBIAN_PY311, NOT_PYTHON, PYENV, describe, dominantHas, eventFor, functionsOf, runFixture, type Run } from "./harness.js";

const MS = 1_000_000n;

/** Every recorded block of `fn` has its event, and `fn` is in that event's dominant stack. */
function assertAttributed(run: Run, fn: string, expected: number): void {
  const blocks = run.truth.filter((t) => t.fn === fn);
  assert.equal(blocks.length, expected, `the fixture recorded ${blocks.length} ${fn} blocks`);
  for (const t of blocks) {
    const e = eventFor(run, t);
    assert.ok(e !== undefined, `no event for the ${fn} block at ${t.startNs}`);
    assert.deepEqual(e.a.status, { kind: "ok" });
    assert.equal(e.a.complete, true, "the sampler's high-water mark passed the block's end within the wait");
    const c = run.stats.sampler;
    const diag = `read max ${Number(c.readMaxNs) / 1e6} ms, wake late max ${Number(c.wakeLateMaxNs) / 1e6} ms, load ${readFileSync("/proc/loadavg", "utf8").slice(0, 14)}, block ${blocks.indexOf(t) + 1}/${blocks.length}, counters ${JSON.stringify(c, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`;
    assert.ok(e.a.samples > 0 && dominantHas(e, fn), `${fn} not dominant: ${describe(e)} (${diag})`);
    for (const s of e.a.stacks ?? []) assert.ok(s.frames.length > 0);
  }
  assert.deepEqual(run.notices, []);
}

const SCENARIOS = [
  { name: "time.sleep three frames deep", config: { scenario: "sleep_deep" }, fn: "sleep_in_depth" },
  { name: "a CPU loop five frames deep", config: { scenario: "cpu_deep" }, fn: "spin_in_depth" },
  { name: "a synchronous socket recv", config: { scenario: "socket_recv" }, fn: "recv_blocking" },
  { name: "deep recursion with a non-ASCII name", config: { scenario: "recursion" }, fn: "blöckieren" },
  { name: "a loop in a non-main thread", config: { scenario: "cpu_deep", thread: true }, fn: "spin_in_depth" },
];

for (const python of PYENV) {
  const version = python.split("/")[4] ?? python;
  for (const s of SCENARIOS) {
    test(`${version}: ${s.name} is the dominant stack of every block`, async (t) => {
      if (!requireRoot(t)) return;
      const run = await runFixture(python, { ...s.config, count: 4, ms: 50 }, { thresholdNs: 20n * MS });
      assertAttributed(run, s.fn, 4);
      if (s.fn === "blöckieren") {
        const e = eventFor(run, run.truth[0]!);
        assert.ok(e !== undefined && functionsOf(e).filter((f) => f === "blöckieren").length > 50, "the whole recursion is read");
      }
      if (s.config.thread === true) assert.ok(run.events.every((e) => e.gap.tid !== run.pid), "the loop thread is not the main thread");
    });
  }

  test(`${version}: a stack that changes while the thread is off CPU is followed (two sleeps, half each)`, async (t) => {
    if (!requireRoot(t)) return;
    const run = await runFixture(python, { scenario: "two_naps", count: 4, ms: 80 }, { thresholdNs: 20n * MS });
    const blocks = run.truth.filter((x) => x.fn === "two_naps");
    assert.equal(blocks.length, 4);
    for (const b of blocks) {
      const e = eventFor(run, b);
      assert.ok(e !== undefined);
      const weightOf = (fn: string) => (e.a.stacks ?? []).filter((s) => s.frames.some((f) => f.function === fn)).reduce((n, s) => n + s.weight, 0);
      const first = weightOf("first_nap");
      const second = weightOf("second_nap");
      assert.ok(first > 0.2 && second > 0.2 && first + second > 0.9, `first_nap ${first.toFixed(2)}, second_nap ${second.toFixed(2)}: ${describe(e)}`);
    }
    assert.ok(run.stats.sampler.reused > run.stats.sampler.reads, `off-CPU samples re-use the last read (${run.stats.sampler.reused} reused, ${run.stats.sampler.reads} reads)`);
  });

  test(`${version}: two loop threads blocked at the same time never get each other's stacks`, async (t) => {
    if (!requireRoot(t)) return;
    const run = await runFixture(python, { scenario: "two_loops", count: 4, ms: 50 }, { thresholdNs: 20n * MS });
    for (const [own, other] of [["nap_in_a", "spin_in_b"], ["spin_in_b", "nap_in_a"]] as const) {
      const blocks = run.truth.filter((x) => x.fn === own);
      assert.equal(blocks.length, 4);
      for (const b of blocks) {
        const e = eventFor(run, b);
        assert.ok(e !== undefined && e.gap.tid === b.tid, `no event for ${own} on tid ${b.tid}`);
        const fns = (e.a.stacks ?? []).flatMap((s) => s.frames.map((f) => f.function));
        assert.ok(fns.includes(own), `${own} missing: ${describe(e)}`);
        assert.ok(!fns.includes(other), `${other} (another thread) leaked into ${own}'s block: ${describe(e)}`);
      }
    }
    assert.ok(dominantHas(eventFor(run, run.truth.find((x) => x.fn === "spin_in_b")!)!, "spin_in_b"));
  });

  test(`${version}: a fast callback right before a slow one never appears in the slow block`, async (t) => {
    if (!requireRoot(t)) return;
    // gate 0.5 ms so that fast_cb (2 ms) IS sampled: the test is only meaningful if its samples exist.
    const run = await runFixture(python, { scenario: "misattr", count: 6, ms: 50, gap_ms: 20 }, { thresholdNs: 4n * MS, gateNs: 500_000n });
    const fastSampled = run.samples.filter((s) => s.frames.some((f) => f.function === "fast_cb"));
    assert.ok(fastSampled.length > 0, "fast_cb was never sampled: the test proves nothing");
    assertAttributed(run, "slow_cb", 6);
    for (const tr of run.truth.filter((x) => x.fn === "slow_cb")) {
      const e = eventFor(run, tr)!;
      for (const st of e.a.stacks ?? []) assert.ok(!st.frames.some((f) => f.function === "fast_cb"), `fast_cb leaked into ${describe(e)}`);
    }
  });

  test(`${version}: blocks of 6 ms at threshold 4 ms carry the right function (≥ 95 %)`, async (t) => {
    if (!requireRoot(t)) return;
    const run = await runFixture(python, { scenario: "cpu_short", count: 40, ms: 6, gap_ms: 8 }, { thresholdNs: 4n * MS });
    const blocks = run.truth.filter((x) => x.fn === "short_block");
    const missed = blocks.filter((b) => {
      const e = eventFor(run, b);
      return e === undefined || !dominantHas(e, "short_block");
    });
    const hits = blocks.length - missed.length;
    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    const why = missed.map((b) => `${(Number(b.endNs - b.startNs) / 1e6).toFixed(1)} ms in Python: ${describe(eventFor(run, b))}`).join("; ");
    assert.ok(hits >= Math.ceil(0.95 * blocks.length), `${hits}/${blocks.length} short blocks attributed (load ${load}; ${run.notices.join("; ")}): missed ${why}`);
  });
}

test("uvloop (Debian python3.11): the blocking function is dominant in every block", async (t) => {
  if (!requireRoot(t)) return;
  assert.ok(existsSync(DEBIAN_PY311), `${DEBIAN_PY311} with python3-uvloop is part of the image`);
  const run = await runFixture(DEBIAN_PY311, { scenario: "cpu_deep", loop: "uvloop", count: 4, ms: 50 }, { thresholdNs: 20n * MS });
  assertAttributed(run, "spin_in_depth", 4);
  const sleepy = await runFixture(DEBIAN_PY311, { scenario: "sleep_deep", loop: "uvloop", thread: true, count: 3, ms: 50 }, { thresholdNs: 20n * MS });
  assertAttributed(sleepy, "sleep_in_depth", 3);
});

test("a target without Python: stacks unavailable once, with the reason; detection goes on", async (t) => {
  if (!requireRoot(t)) return;
  const run = await runFixture(process.execPath, { count: 8, ms: 60 }, { thresholdNs: 20n * MS, script: NOT_PYTHON });
  assert.equal(run.notices.length, 1, run.notices.join("\n"));
  assert.match(run.notices[0] ?? "", new RegExp(`^stacks unavailable for ${run.pid}: .*not a CPython process`));
  const blocks = run.truth.filter((x) => x.fn === "busy");
  assert.equal(blocks.length, 8);
  assert.ok(blocks.every((b) => eventFor(run, b) !== undefined), "every block is still detected");
  const last = eventFor(run, blocks[7]!);
  assert.ok(last !== undefined, "detection went on");
  assert.equal(last.a.stacks, null);
  assert.equal(last.a.status.kind, "unavailable");
});

test("no leaks: fds, worker and samples are released by close()", async (t) => {
  if (!requireRoot(t)) return;
  const fds = () => readdirSync("/proc/self/fd").length;
  const before = fds();
  const run = await runFixture(PYENV[1]!, { scenario: "cpu_deep", count: 2, ms: 30 }, { thresholdNs: 10n * MS });
  assert.equal(run.truth.length, 2);
  await new Promise((r) => setTimeout(r, 100)); // let the worker's exit settle
  assert.equal(fds(), before, "file descriptors leaked");
  const tid = run.stats.samplerThread.tid;
  assert.ok(tid !== null && tid !== process.pid, "the sampler ran in its own thread");
  assert.equal(existsSync(`/proc/self/task/${tid}`), false, "the sampler thread is gone");
  assert.equal(run.stats.samplerThread.nice, "-10");
});

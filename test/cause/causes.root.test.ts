// Real Python targets with known blocks, the loop-gap detector and cause accounting together.
import { test } from "node:test";
import assert from "node:assert/strict";
import { requireRoot } from "../helpers/root.js";
import { gapFor, runCauses, sums, type Joined, type Run, type Truth } from "./fixture.js";

function joinedFor(run: Run, t: Truth): Joined & { cause: NonNullable<Joined["cause"]> } {
  const j = gapFor(run, t);
  assert.ok(j !== undefined, `a gap covers the ${t.how} block`);
  assert.ok(j.cause !== null, `the ${t.how} gap has a cause`);
  return { gap: j.gap, cause: j.cause };
}

function assertSumsAddUp(run: Run): void {
  assert.ok(run.joined.length > 0, "gaps were reported");
  for (const j of run.joined) {
    assert.ok(j.cause !== null, `every gap has its cause (gap ${j.gap.startNs}..${j.gap.endNs})`);
    const { total, duration } = sums(j);
    assert.ok(Math.abs(total - duration) <= duration * 0.02, `on+off+runq ${total.toFixed(3)} ms vs block ${duration.toFixed(3)} ms: ${j.cause.summary}`);
  }
}

test("time.sleep: off CPU dominant, in clock_nanosleep, with the sleep's kernel stack", async (t) => {
  if (!requireRoot(t)) return;
  const asked = [150, 80];
  const run = await runCauses({ blocks: asked.map((ms) => ({ how: "sleep" as const, ms })) });
  assertSumsAddUp(run);
  for (const [i, truth] of run.truth.entries()) {
    const { cause } = joinedFor(run, truth);
    t.diagnostic(cause.summary);
    // the sleep itself is off CPU; its wake-up may wait in the run queue on a busy machine
    assert.ok(cause.offCpuMs >= 0.97 * (asked[i] ?? 0), cause.summary);
    assert.ok(cause.offCpuMs > cause.onCpuMs + cause.runQueueMs, cause.summary);
    assert.equal(cause.syscalls[0]?.name, "clock_nanosleep");
    assert.equal(cause.syscalls[0]?.count, 1);
    assert.equal(cause.longestOff?.syscall, "clock_nanosleep");
    assert.match(cause.summary, /off CPU in clock_nanosleep/);
    assert.ok(cause.longestOff.kernelStack.some((f) => /hrtimer_nanosleep|do_nanosleep|schedule/.test(f)), cause.longestOff.kernelStack.join(" < "));
    assert.equal(cause.gil, null);
  }
});

test("pure-Python CPU loop: on CPU (or run queue when the machine is busy), no off-CPU time to speak of", async (t) => {
  if (!requireRoot(t)) return;
  const run = await runCauses({ blocks: [{ how: "busy", ms: 150 }] });
  assertSumsAddUp(run);
  const truth = run.truth[0]!;
  const { cause } = joinedFor(run, truth);
  t.diagnostic(cause.summary);
  const total = cause.onCpuMs + cause.offCpuMs + cause.runQueueMs;
  assert.ok(cause.offCpuMs < 0.05 * total, cause.summary);
  // the machine is shared: a preempted busy loop waits in the run queue, which is reported as such
  assert.ok(cause.onCpuMs > 0.3 * total, cause.summary);
  assert.match(cause.summary, cause.onCpuMs >= cause.runQueueMs ? /^\d+ ms: \d+ ms on CPU/ : /^\d+ ms: run-queue wait/);
  // the loop's own bookkeeping around the callback makes a few short syscalls; the loop makes none
  t.diagnostic(JSON.stringify(cause.syscalls));
  assert.ok(cause.syscalls.every((s) => s.ms < 2), "no syscall time to speak of (clock_gettime is vDSO)");
});

test("blocking socket read: off CPU in a recv syscall, kernel stack through the socket receive path", async (t) => {
  if (!requireRoot(t)) return;
  const run = await runCauses({ blocks: [{ how: "recv", ms: 120 }] });
  assertSumsAddUp(run);
  const { cause } = joinedFor(run, run.truth[0]!);
  t.diagnostic(cause.summary);
  t.diagnostic(cause.longestOff?.kernelStack.join(" < ") ?? "no stack");
  assert.ok(cause.longestOff !== null);
  assert.match(cause.longestOff.syscall ?? "", /^recv/);
  assert.match(cause.summary, /off CPU in recv/);
  assert.ok(cause.longestOff.kernelStack.some((f) => /unix_stream_recvmsg|unix_stream_read_generic|unix_stream_data_wait|sock_recvmsg|__skb_wait_for_more_packets/.test(f)), cause.longestOff.kernelStack.join(" < "));
});

test("GIL hog: futex wait attributed to the hog thread's tid and function", async (t) => {
  if (!requireRoot(t)) return;
  const run = await runCauses({ blocks: [{ how: "gil", ms: 200 }] }, { python: true });
  assertSumsAddUp(run);
  const truth = run.truth[0]!;
  const { cause } = joinedFor(run, truth);
  t.diagnostic(cause.summary);
  assert.ok(cause.gil !== null, cause.summary);
  assert.equal(cause.gil.holderTid, truth.holderTid);
  assert.equal(cause.gil.holderName, "hog-thread");
  assert.equal(cause.gil.holderFrames[0]?.function, "hog");
  assert.ok(cause.gil.waitMs > 100, cause.summary);
  assert.match(cause.summary, new RegExp(`GIL wait \\d+ ms, held by tid ${truth.holderTid} \\(hog-thread, in hog\\)`));
});

test("CPU starvation: a loop thread pinned beside a CPU hog reports run-queue time", async (t) => {
  if (!requireRoot(t)) return;
  const run = await runCauses({ blocks: [{ how: "runq", ms: 200 }], cpu: 1 });
  assertSumsAddUp(run);
  const { cause } = joinedFor(run, run.truth[0]!);
  t.diagnostic(cause.summary);
  const total = cause.onCpuMs + cause.offCpuMs + cause.runQueueMs;
  assert.ok(cause.runQueueMs > 0.2 * total, cause.summary);
});

// CPython ≤ 3.10 sleeps with select(0, NULL, NULL, NULL, &tv): a poll/select with no fds does not
// end the run phase (loop-gap's rule, mirrored by run-cause), so the block is off CPU in select.
test("time.sleep on CPython 3.9: off CPU in select/pselect6, same phase rules as the detector", async (t) => {
  if (!requireRoot(t)) return;
  const run = await runCauses({ blocks: [{ how: "sleep", ms: 100 }] }, { pythonBin: "/root/.pyenv/versions/3.9.18/bin/python3" });
  assertSumsAddUp(run);
  const { cause } = joinedFor(run, run.truth[0]!);
  t.diagnostic(cause.summary);
  // glibc's select() is the pselect6 syscall on x86_64 (sysdeps/unix/sysv/linux/select.c)
  assert.match(cause.summary, /off CPU in (select|pselect6)\b/);
  assert.match(cause.longestOff?.syscall ?? "", /^(select|pselect6)$/);
});

for (const v of ["3.9.18", "3.13.0"]) {
  test(`GIL hog on CPython ${v}: attributed to the hog thread`, async (t) => {
    if (!requireRoot(t)) return;
    const run = await runCauses({ blocks: [{ how: "gil", ms: 200 }] }, { pythonBin: `/root/.pyenv/versions/${v}/bin/python3` });
    assertSumsAddUp(run);
    const truth = run.truth[0]!;
    const { cause } = joinedFor(run, truth);
    t.diagnostic(cause.summary);
    assert.equal(cause.gil?.holderTid, truth.holderTid, cause.summary);
    assert.equal(cause.gil?.holderFrames[0]?.function, "hog");
    assert.match(cause.summary, /^\d+ ms: GIL wait/);
  });
}

// The run-cause probe on a loop-gap probe against real processes: the accounting each event carries, fallbacks, teardown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { spawn } from "node:child_process";
import { requireRoot } from "../../helpers/root.js";
import { programIds } from "../../../src/bpf/index.js";
import { COMPANION, RunCauseProbe, decodeCompanion, type RunRecord } from "../../../src/probes/run-cause/index.js";
import { LoopGapProbe } from "../../../src/probes/loop-gap/index.js";
import { ToolError } from "../../../src/errors.js";
import { futexNumbers } from "../../../src/cause/syscalls.js";

const PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3";
// An asyncio loop with three 60 ms sleeps in callbacks and short healthy iterations between them.
const LOOP = `
import asyncio, time, sys
async def main():
    await asyncio.sleep(0.3)
    for _ in range(3):
        time.sleep(0.06)
        for _ in range(20): await asyncio.sleep(0.001)
asyncio.run(main())
`;

async function records(o: { thresholdNs: bigint; perf?: boolean; rawSyscalls?: boolean }): Promise<RunRecord[]> {
  const py = spawn(PYTHON, ["-c", LOOP], { stdio: "ignore" });
  const pid = py.pid ?? 0;
  const lg = await LoopGapProbe.open({ pids: [pid], thresholdNs: o.thresholdNs, stats: false, companionBytes: COMPANION.size, ...(o.rawSyscalls === true ? { rawSyscalls: true } : {}) });
  const probe = RunCauseProbe.open({ threads: lg.companion!, futexNrs: futexNumbers("x64"), ...(o.perf === true ? { perfSyscalls: true, perfSched: true } : {}) }); // opened with companion bytes
  assert.equal(probe.syscallVia, o.perf === true ? "perf" : o.rawSyscalls === true ? "loop-gap" : "raw", "raw tracepoints on linux ≥ 4.17");
  assert.equal(probe.schedVia, o.perf === true ? "perf" : "raw", "sched_switch passes prev_state since linux 5.18");
  const got: RunRecord[] = [];
  const consume = (async () => {
    for await (const e of lg.events()) got.push(decodeCompanion(e.companion!, e)); // events carry the block
  })();
  try {
    await new Promise((resolve) => py.on("exit", resolve));
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    probe.close();
    lg.close();
    await consume;
    await probe.whenClosed();
    await lg.whenClosed();
  }
  return got;
}

test("each gap's event carries its accounting: phases ≥ threshold of the target's loop thread, sums exact", async (t) => {
  if (!requireRoot(t)) return;
  const got = await records({ thresholdNs: 40_000_000n });
  assert.equal(got.length, 3, JSON.stringify(got.map((r) => Number(r.endNs - r.startNs) / 1e6)));
  for (const r of got) {
    assert.equal(r.onNs + r.offNs + r.runqNs, r.endNs - r.startNs, "every transition goes to exactly one bucket");
    assert.equal(r.tid, r.pid);
    assert.ok(r.offNs >= 55_000_000n);
    assert.ok(r.longestOffStackid !== null);
    assert.ok(r.slots.some((s) => s.nr === 230 && s.count === 1 && s.ns >= 59_000_000n), "clock_nanosleep counted once");
  }
});

test("loop-gap in raw_syscalls mode: the syscall programs run as its tail calls and account the same way", async (t) => {
  if (!requireRoot(t)) return;
  const got = await records({ thresholdNs: 40_000_000n, rawSyscalls: true });
  assert.equal(got.length, 3, JSON.stringify(got.map((r) => Number(r.endNs - r.startNs) / 1e6)));
  for (const r of got) {
    assert.equal(r.onNs + r.offNs + r.runqNs, r.endNs - r.startNs);
    assert.ok(r.offNs >= 55_000_000n && r.longestOffStackid !== null);
    assert.ok(r.slots.some((s) => s.nr === 230 && s.count === 1 && s.ns >= 59_000_000n), "clock_nanosleep counted once");
  }
});

test("the perf-tracepoint fallback (scheduler and raw_syscalls) accounts the same way", async (t) => {
  if (!requireRoot(t)) return;
  const got = await records({ thresholdNs: 40_000_000n, perf: true });
  assert.equal(got.length, 3);
  for (const r of got) {
    assert.equal(r.onNs + r.offNs + r.runqNs, r.endNs - r.startNs);
    assert.ok(r.offNs >= 55_000_000n && r.longestOffStackid !== null);
    assert.ok(r.slots.some((s) => s.nr === 230 && s.count === 1 && s.ns >= 59_000_000n), JSON.stringify(r.slots, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v)));
  }
});

test("a loop-gap probe without room for the block is refused with a usage error, nothing left open", async (t) => {
  if (!requireRoot(t)) return;
  const fds = readdirSync("/proc/self/fd").length;
  const lg = await LoopGapProbe.open({ pids: [process.pid], thresholdNs: 1n, stats: false, companionBytes: 8 });
  try {
    assert.throws(() => RunCauseProbe.open({ threads: lg.companion!, futexNrs: [202] }), (e: unknown) => e instanceof ToolError && e.kind === "usage"); // 8 bytes: has a companion
  } finally {
    lg.close();
    await lg.whenClosed();
  }
  assert.equal(readdirSync("/proc/self/fd").length, fds);
});

test("close releases every fd and program", async (t) => {
  if (!requireRoot(t)) return;
  const lg = await LoopGapProbe.open({ pids: [process.pid], thresholdNs: 1n, stats: false, companionBytes: COMPANION.size });
  const fds = readdirSync("/proc/self/fd").length;
  const probe = RunCauseProbe.open({ threads: lg.companion!, futexNrs: [202] }); // opened with companion bytes
  const mine = probe.programIds();
  assert.equal(mine.length, 4, "switch, wakeup, sys_enter, sys_exit: nothing on the wait syscalls");
  assert.ok(mine.every((id) => programIds().includes(id)));
  probe.close();
  await probe.whenClosed();
  assert.equal(readdirSync("/proc/self/fd").length, fds);
  lg.close();
  await lg.whenClosed();
  // ids of this probe only: other processes on the machine load and unload programs meanwhile.
  // A raw tracepoint link on a faultable tracepoint (sys_enter/sys_exit, linux ≥ 6.13) frees its
  // program after an RCU tasks-trace grace period, so the ids may linger for a moment.
  let left: number[] = mine;
  for (let i = 0; i < 100 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const now = new Set(programIds());
    left = mine.filter((id) => now.has(id));
  }
  assert.deepEqual(left, []);
});

test("prune forgets the task pointers of threads loop-gap no longer has", async (t) => {
  if (!requireRoot(t)) return;
  const py = spawn(PYTHON, ["-c", LOOP], { stdio: "ignore" });
  const lg = await LoopGapProbe.open({ pids: [py.pid ?? 0], thresholdNs: 1_000_000_000n, stats: false, companionBytes: COMPANION.size });
  const probe = RunCauseProbe.open({ threads: lg.companion!, futexNrs: [202] }); // opened with companion bytes
  try {
    await new Promise((r) => setTimeout(r, 400)); // the loop thread has slept inside a phase by now
    assert.equal(probe.prune(), 0, "a live thread stays");
    await new Promise((resolve) => py.on("exit", resolve));
    assert.deepEqual(lg.loopThreads(), [], "loop-gap forgets the exited thread");
    assert.equal(probe.prune(), 1);
  } finally {
    probe.close();
    lg.close();
    await probe.whenClosed();
    await lg.whenClosed();
  }
});

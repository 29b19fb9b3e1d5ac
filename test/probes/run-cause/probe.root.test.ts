// The run-cause probe alone against real processes: records, filters, threshold, and teardown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { spawn } from "node:child_process";
import { requireRoot } from "../../helpers/root.js";
import { programIds } from "../../../src/bpf/index.js";
import { RunCauseProbe, type RunRecord } from "../../../src/probes/run-cause/index.js";
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

async function records(o: { target: boolean; tid?: "other"; thresholdNs: bigint; perf?: boolean }): Promise<RunRecord[]> {
  const py = spawn(PYTHON, ["-c", LOOP], { stdio: "ignore" });
  const pid = py.pid ?? 0;
  const bystander = spawn("sleep", ["30"], { stdio: "ignore" }); // a target that never waits in a loop
  const probe = RunCauseProbe.open({
    pids: o.target ? [pid] : [bystander.pid ?? 0], thresholdNs: o.thresholdNs, futexNrs: futexNumbers("x64"),
    ...(o.tid === "other" ? { tid: pid + 100_000 } : {}),
    ...(o.perf === true ? { perfSyscalls: true, perfSched: true } : {}),
  });
  assert.equal(probe.syscallVia, o.perf === true ? "perf" : "raw", "raw tracepoints on linux ≥ 4.17");
  assert.equal(probe.schedVia, o.perf === true ? "perf" : "raw", "sched_switch passes prev_state since linux 5.18");
  const got: RunRecord[] = [];
  probe.onRecord((r) => got.push(r));
  try {
    await new Promise((resolve) => py.on("exit", resolve));
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    probe.close();
    bystander.kill("SIGKILL");
    await probe.whenClosed();
  }
  return got;
}

test("one record per phase ≥ threshold, for the target's loop thread, sums exact", async (t) => {
  if (!requireRoot(t)) return;
  const got = await records({ target: true, thresholdNs: 40_000_000n });
  assert.equal(got.length, 3, JSON.stringify(got.map((r) => Number(r.endNs - r.startNs) / 1e6)));
  for (const r of got) {
    assert.equal(r.onNs + r.offNs + r.runqNs, r.endNs - r.startNs, "every transition goes to exactly one bucket");
    assert.equal(r.tid, r.pid);
    assert.ok(r.offNs >= 55_000_000n);
    assert.ok(r.longestOffStackid !== null);
    assert.ok(r.slots.some((s) => s.nr === 230 && s.count === 1 && s.ns >= 59_000_000n), "clock_nanosleep counted once");
  }
});

test("the perf-tracepoint fallback (scheduler and raw_syscalls) accounts the same way", async (t) => {
  if (!requireRoot(t)) return;
  const got = await records({ target: true, thresholdNs: 40_000_000n, perf: true });
  assert.equal(got.length, 3);
  for (const r of got) {
    assert.equal(r.onNs + r.offNs + r.runqNs, r.endNs - r.startNs);
    assert.ok(r.offNs >= 55_000_000n && r.longestOffStackid !== null);
    assert.ok(r.slots.some((s) => s.nr === 230 && s.count === 1 && s.ns >= 59_000_000n), JSON.stringify(r.slots, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v)));
  }
});

test("no record for a process that is not a target, nor for another tid, nor below the threshold", async (t) => {
  if (!requireRoot(t)) return;
  assert.deepEqual(await records({ target: false, thresholdNs: 0n }), []);
  assert.deepEqual(await records({ target: true, tid: "other", thresholdNs: 0n }), []);
  assert.deepEqual(await records({ target: true, thresholdNs: 5_000_000_000n }), []);
});

test("close releases every fd and program", async (t) => {
  if (!requireRoot(t)) return;
  const fds = readdirSync("/proc/self/fd").length;
  const probe = RunCauseProbe.open({ pids: [process.pid], thresholdNs: 1n, futexNrs: [202] });
  const mine = probe.programIds();
  assert.ok(mine.length >= 6);
  assert.ok(mine.every((id) => programIds().includes(id)));
  probe.close();
  await probe.whenClosed();
  assert.equal(readdirSync("/proc/self/fd").length, fds);
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

test("prune forgets threads that have exited", async (t) => {
  if (!requireRoot(t)) return;
  const py = spawn(PYTHON, ["-c", LOOP], { stdio: "ignore" });
  const probe = RunCauseProbe.open({ pids: [py.pid ?? 0], thresholdNs: 1_000_000_000n, futexNrs: [202] });
  try {
    await new Promise((r) => setTimeout(r, 400)); // the loop thread is known by now
    assert.equal(probe.prune(), 0, "a live thread stays");
    await new Promise((resolve) => py.on("exit", resolve));
    assert.equal(probe.prune(), 1);
  } finally {
    probe.close();
    await probe.whenClosed();
  }
});

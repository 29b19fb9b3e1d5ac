import { test } from "node:test";
import assert from "node:assert/strict";
import { formatMs, summarize } from "../../src/cause/summary.js";
import { buildCause } from "../../src/cause/build.js";
import type { Cause } from "../../src/report/model.js";
import type { RunRecord } from "../../src/probes/run-cause/layout.js";

const base: Omit<Cause, "summary"> = { onCpuMs: 0, offCpuMs: 0, runQueueMs: 0, syscalls: [], longestOff: null, gil: null };

test("formatMs: whole ms from 10, one decimal from 1, two below", () => {
  assert.equal(formatMs(301.4), "301");
  assert.equal(formatMs(1), "1");
  assert.equal(formatMs(1.26), "1.3");
  assert.equal(formatMs(0.426), "0.43");
});

test("off CPU dominant names the longest wait's syscall; dominant first", () => {
  const s = summarize({ ...base, onCpuMs: 1, offCpuMs: 301, syscalls: [{ name: "clock_nanosleep", count: 1, ms: 301 }], longestOff: { ms: 301, syscall: "clock_nanosleep", kernelStack: [] } });
  assert.equal(s, "302 ms: 301 ms off CPU in clock_nanosleep, 1 ms on CPU");
});

test("off CPU with many short waits names the syscall with most time", () => {
  const s = summarize({ ...base, onCpuMs: 10, offCpuMs: 90, syscalls: [{ name: "read", count: 30, ms: 80 }], longestOff: { ms: 5, syscall: "futex", kernelStack: [] } });
  assert.equal(s, "100 ms: 90 ms off CPU in read, 10 ms on CPU");
});

test("GIL wait names the holder thread and its innermost function", () => {
  const gil = { waitMs: 198, holderTid: 812, holderName: "Thread-1", holderFrames: [{ function: "hog", file: "a.py", line: 3, source: null }] };
  assert.equal(summarize({ ...base, onCpuMs: 2, offCpuMs: 198, gil }), "200 ms: GIL wait 198 ms, held by tid 812 (Thread-1, in hog), 2 ms on CPU");
  assert.equal(summarize({ ...base, offCpuMs: 198, gil: { ...gil, holderName: null, holderFrames: [] } }), "198 ms: GIL wait 198 ms, held by tid 812");
});

test("run queue dominant says CPU starvation; small components are left out", () => {
  assert.equal(summarize({ ...base, onCpuMs: 20, runQueueMs: 80, offCpuMs: 0.1 }), "100 ms: run-queue wait 80 ms (CPU starvation), 20 ms on CPU");
  assert.equal(summarize({ ...base, onCpuMs: 80, runQueueMs: 20 }), "100 ms: 80 ms on CPU, 20 ms run-queue wait");
});

test("buildCause: top syscalls by time (at most 5), names from the table, stack kept", () => {
  const r: RunRecord = {
    pid: 1, tid: 2, startNs: 0n, endNs: 10_000_000n, onNs: 1_000_000n, offNs: 9_000_000n, runqNs: 0n, futexNs: 0n,
    longestOffNs: 8_000_000n, longestOffNr: 45, longestOffStackid: 3,
    slots: [0, 1, 2, 3, 45, 5].map((nr, i) => ({ nr, count: 1, ns: BigInt((i + 1) * 100_000) })).concat([{ nr: 45, count: 2, ns: 8_500_000n }]).filter((s, i) => !(s.nr === 45 && i === 4)),
    other: { count: 0, ns: 0n },
  };
  const c = buildCause(r, "x64", ["__schedule", "unix_stream_recvmsg"], null);
  assert.equal(c.syscalls.length, 5);
  assert.equal(c.syscalls[0]?.name, "recvfrom");
  assert.equal(c.syscalls[0]?.count, 2);
  assert.deepEqual(c.longestOff, { ms: 8, syscall: "recvfrom", kernelStack: ["__schedule", "unix_stream_recvmsg"] });
  assert.equal(c.summary, "10 ms: 9 ms off CPU in recvfrom, 1 ms on CPU");
});

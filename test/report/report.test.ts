import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eventRecord, stringify } from "../../src/report/json.js";
import { PLAIN, renderBlock } from "../../src/report/console.js";
import { SummaryBuilder, renderSummary } from "../../src/report/summary.js";
import { LogFileSink } from "../../src/report/log-file.js";
import { visibleFrames } from "../../src/report/frames.js";
import type { BlockEvent, ReportFrame } from "../../src/report/model.js";

const app = (fn: string, line: number): ReportFrame => ({ function: fn, file: "/srv/app/handlers.py", line, source: `${fn}()` });
const std = (fn: string): ReportFrame => ({ function: fn, file: "/usr/lib/python3.11/asyncio/events.py", line: 80, source: null });

function event(over: Partial<BlockEvent> = {}): BlockEvent {
  return {
    kind: "block",
    eventNumber: 1,
    timestampS: 1.5,
    pid: 10,
    tid: 11,
    threadName: "python3",
    startNs: 9_007_199_254_740_993n, // > 2^53: must survive JSON exactly
    endNs: 9_007_199_554_740_993n,
    durationMs: 300,
    level: "warning",
    stacks: [
      { frames: [app("slow", 12), app("handler", 30), std("_run")], samples: 3, weight: 0.75 },
      { frames: [app("other", 40)], samples: 1, weight: 0.25 },
    ],
    stacksStatus: { kind: "ok" },
    task: { name: "request-1", coroutines: ["handler"] },
    samples: 4,
    cause: null,
    container: null,
    ...over,
  };
}

test("JSON keeps the original fields and writes monotonic ns exactly", () => {
  const line = stringify(eventRecord(event(), 0));
  assert.match(line, /"start_ns":9007199254740993,/);
  const rec = JSON.parse(line) as Record<string, unknown>;
  for (const k of ["event_number", "timestamp_s", "duration_ms", "pid", "tid", "python_stacks", "level"]) assert.ok(k in rec, k);
  const stacks = rec["python_stacks"] as Array<Array<{ function: string }>>;
  assert.equal(stacks[0]?.[0]?.function, "slow"); // innermost first
  assert.deepEqual(rec["stack_weights"], [0.75, 0.25]);
  assert.equal(rec["thread_name"], "python3");
});

test("JSON without stacks: python_stacks null, reason given when unavailable", () => {
  const rec = JSON.parse(stringify(eventRecord(event({ stacks: null, stacksStatus: { kind: "unavailable", reason: "not a Python process" } }), 3))) as Record<string, unknown>;
  assert.equal(rec["python_stacks"], null);
  assert.equal(rec["stacks_unavailable"], "not a Python process");
  assert.equal(rec["dropped"], 3);
});

test("console: original header, most recent call last, stdlib folded, shares and task", () => {
  const text = renderBlock(event(), { write: () => {}, style: PLAIN, verbose: false, multiProcess: false });
  const lines = text.split("\n");
  assert.equal(lines[0], "[   1.50s] #1  BLOCKED     300.0ms  tid=11 (python3)");
  assert.match(text, /task: request-1 \(handler\)/);
  assert.match(text, /Python stack \(most recent call last\), 75% of 4 samples:/);
  assert.ok(text.indexOf("in handler") < text.indexOf("in slow"), "root first");
  assert.match(text, /\.\.\. 1 asyncio\/stdlib frame hidden/);
  assert.match(text, /\n  ---\n/);
});

test("stdlib folding never hides everything", () => {
  const r = visibleFrames([std("a"), std("b")]);
  assert.equal(r.frames.length, 2);
  assert.equal(r.hidden, 0);
});

test("summary ranks call sites by total blocked time", () => {
  const b = new SummaryBuilder();
  b.add(event({ durationMs: 100 }));
  b.add(event({ durationMs: 200, eventNumber: 2 }));
  b.add(event({ durationMs: 500, eventNumber: 3, stacks: [{ frames: [app("big", 5)], samples: 1, weight: 1 }] }));
  const s = b.build(10, 0);
  assert.equal(s.events, 3);
  assert.equal(s.sites[0]?.function, "big");
  assert.equal(s.sites[1]?.function, "slow");
  assert.equal(s.sites[1]?.count, 2);
  assert.equal(s.threads[0]?.totalMs, 800);
  assert.match(renderSummary(s), /Blocking events detected: 3/);
});

test("log file: Datadog fields, 0640, survives rotation", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bs-log-"));
  const file = path.join(dir, "b.log");
  const sink = new LogFileSink({ path: file, service: "api", env: "prod", wallMs: () => Date.UTC(2026, 0, 2, 3, 4, 5, 6) + 0.5 });
  sink.block(event());
  assert.equal(fs.statSync(file).mode & 0o777, 0o640 & ~process.umask());
  fs.renameSync(file, `${file}.1`); // logrotate moves it away
  sink.block(event({ eventNumber: 2 }));
  sink.summary(new SummaryBuilder().build(1, 0));
  void sink.close();
  const old = JSON.parse(fs.readFileSync(`${file}.1`, "utf8").trim()) as Record<string, unknown>;
  assert.equal(old["timestamp"], "2026-01-02T03:04:05.006500Z");
  assert.equal(old["source"], "blocksnoop");
  assert.deepEqual(old["dd"], { service: "api", env: "prod" });
  assert.equal(old["message"], "Blocking call detected: 300.0ms on tid=11");
  const fresh = fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(fresh.length, 2);
  assert.equal(fresh[0]?.["event_number"], 2);
  assert.equal(fresh[1]?.["level"], "info");
  fs.rmSync(dir, { recursive: true });
});

test("cause: one why line, details with -v, JSON fields, summary per call site", () => {
  const cause = {
    onCpuMs: 1,
    offCpuMs: 299,
    runQueueMs: 0,
    syscalls: [{ name: "clock_nanosleep", count: 1, ms: 299 }],
    longestOff: { ms: 299, syscall: "clock_nanosleep", kernelStack: ["schedule", "do_nanosleep"] },
    gil: null,
    summary: "300 ms: 1 ms on CPU, 299 ms off CPU in clock_nanosleep",
  };
  const e = event({ cause });
  const short = renderBlock(e, { write: () => {}, style: PLAIN, verbose: false, multiProcess: false });
  assert.match(short, /\n  why: 300 ms: 1 ms on CPU, 299 ms off CPU in clock_nanosleep\n/);
  assert.doesNotMatch(short, /kernel stack/);
  const long = renderBlock(e, { write: () => {}, style: PLAIN, verbose: true, multiProcess: false });
  assert.match(long, /longest off-CPU wait 299\.0 ms in clock_nanosleep, kernel stack:\n      schedule\n      do_nanosleep/);
  const rec = JSON.parse(stringify(eventRecord(e, 0))) as { cause: Record<string, unknown> };
  assert.equal(rec.cause["off_cpu_ms"], 299);
  assert.deepEqual(rec.cause["syscalls"], [{ name: "clock_nanosleep", count: 1, ms: 299 }]);
  const b = new SummaryBuilder();
  b.add(e);
  const text = renderSummary(b.build(1, 0));
  assert.match(text, /on CPU 0%, off CPU 100% \(mostly clock_nanosleep\)/);
});

test("container and pod tags are additive JSON fields", () => {
  const rec = JSON.parse(stringify(eventRecord(event({ container: { id: "ab12", runtime: "containerd", podUid: "1111-2222" } }), 0))) as Record<string, unknown>;
  assert.equal(rec["container_id"], "ab12");
  assert.equal(rec["pod_uid"], "1111-2222");
  const none = JSON.parse(stringify(eventRecord(event(), 0))) as Record<string, unknown>;
  assert.equal(none["container_id"], null);
});

test("summary names a syscall only when off-CPU time matters", async () => {
  const { siteCause } = await import("../../src/report/summary.js");
  const site = { function: "f", file: "a.py", line: 1, count: 1, totalMs: 300, maxMs: 300, onCpuMs: 295, offCpuMs: 0.01, runQueueMs: 5, gilWaitMs: 0, topSyscall: "gettid" };
  assert.equal(siteCause(site), "on CPU 98%, off CPU 0%");
  assert.match(siteCause({ ...site, onCpuMs: 1, offCpuMs: 299 }), /off CPU 98% \(mostly gettid\)/);
});

// json: the JSON contract. Keeps the original tool's fields (event_number, timestamp_s,
// duration_ms, pid, tid, python_stacks, level) with their meaning, and adds fields only.
// CLOCK_MONOTONIC nanoseconds exceed 2^53 after ~104 days of uptime, so bigints are written as
// exact integer literals rather than rounded doubles.
import type { BlockEvent, Cause, ReportFrame, SessionSummary, StatsRecord } from "./model.js";

const MARK = "\uE000";

/** JSON.stringify that writes bigint values as exact integer literals. */
export function stringify(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${MARK}${v.toString()}${MARK}` : v));
  return text.replace(new RegExp(`"${MARK}(-?\\d+)${MARK}"`, "g"), "$1");
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function frame(f: ReportFrame): Record<string, unknown> {
  return { function: f.function, file: f.file, line: f.line, source: f.source };
}

export function causeRecord(c: Cause): Record<string, unknown> {
  return {
    summary: c.summary,
    on_cpu_ms: round(c.onCpuMs, 3),
    off_cpu_ms: round(c.offCpuMs, 3),
    run_queue_ms: round(c.runQueueMs, 3),
    syscalls: c.syscalls.map((x) => ({ name: x.name, count: x.count, ms: round(x.ms, 3) })),
    longest_off_cpu: c.longestOff === null ? null : { ms: round(c.longestOff.ms, 3), syscall: c.longestOff.syscall, kernel_stack: c.longestOff.kernelStack },
    gil: c.gil === null ? null : { wait_ms: round(c.gil.waitMs, 3), holder_tid: c.gil.holderTid, holder_name: c.gil.holderName, holder_stack: c.gil.holderFrames.map(frame) },
  };
}

/** The event as a plain record (shared by --json and --log-file). */
export function eventRecord(e: BlockEvent, dropped: number): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    event_number: e.eventNumber,
    timestamp_s: round(e.timestampS, 6),
    duration_ms: round(e.durationMs, 3),
    pid: e.pid,
    tid: e.tid,
    python_stacks: e.stacks === null ? null : e.stacks.map((s) => s.frames.map(frame)),
    level: e.level,
    start_ns: e.startNs,
    end_ns: e.endNs,
    thread_name: e.threadName,
    task: e.task === null ? null : { name: e.task.name, coroutines: e.task.coroutines },
    stack_weights: e.stacks === null ? null : e.stacks.map((s) => round(s.weight, 4)),
    stack_samples: e.stacks === null ? null : e.stacks.map((s) => s.samples),
    samples: e.samples,
    cause: e.cause === null ? null : causeRecord(e.cause),
    container_id: e.container?.id ?? null,
    pod_uid: e.container?.podUid ?? null,
    dropped,
  };
  if (e.stacksStatus.kind === "unavailable") rec["stacks_unavailable"] = e.stacksStatus.reason;
  else if (e.stacksStatus.kind === "ok" && e.stacksStatus.note !== undefined) rec["stacks_unavailable"] = e.stacksStatus.note; // why this block has none
  return rec;
}

export function statsRecord(s: StatsRecord): Record<string, unknown> {
  return {
    pid: s.pid,
    elapsed_s: round(s.elapsedS, 3),
    count: s.count,
    rate: round(s.rate, 1),
    min_ms: round(s.minMs, 3),
    avg_ms: round(s.avgMs, 3),
    p50_ms: round(s.p50Ms, 3),
    p90_ms: round(s.p90Ms, 3),
    p95_ms: round(s.p95Ms, 3),
    p99_ms: round(s.p99Ms, 3),
    max_ms: round(s.maxMs, 3),
    dropped: s.dropped,
  };
}

export function summaryRecord(s: SessionSummary): Record<string, unknown> {
  return {
    duration_s: round(s.durationS, 3),
    event_count: s.events,
    dropped: s.dropped,
    threads: s.threads.map((t) => ({ pid: t.pid, tid: t.tid, thread_name: t.threadName, events: t.events, total_ms: round(t.totalMs, 3), max_ms: round(t.maxMs, 3) })),
    sites: s.sites.map((c) => ({
      function: c.function,
      file: c.file,
      line: c.line,
      count: c.count,
      total_ms: round(c.totalMs, 3),
      max_ms: round(c.maxMs, 3),
      on_cpu_ms: round(c.onCpuMs, 3),
      off_cpu_ms: round(c.offCpuMs, 3),
      run_queue_ms: round(c.runQueueMs, 3),
      gil_wait_ms: round(c.gilWaitMs, 3),
      top_syscall: c.topSyscall,
    })),
  };
}

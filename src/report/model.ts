// model: the one block-event shape every sink renders. The JSON contract (README "JSON output")
// is derived from it in report/json.ts; schema changes are additive only.

/** One Python frame as reported: innermost first inside a stack. */
export interface ReportFrame {
  function: string;
  file: string;
  line: number | null;
  source: string | null;
}

/** A distinct stack seen during a block, with its share of the block's samples. */
export interface WeightedStack {
  frames: ReportFrame[]; // innermost first
  samples: number;
  weight: number; // samples / all good samples of the block, 0..1
}

export interface TaskReport {
  name: string;
  coroutines: string[];
}

/** Why there are no stacks, when there are none. */
export type StacksStatus =
  | { kind: "ok"; note?: string } // note: why a block has no stack although sampling works
  | { kind: "disabled" } // stacks not requested (e.g. --stats) or not implemented for this target
  | { kind: "unavailable"; reason: string }; // e.g. "not a Python process", "unsupported Python 3.7"

/** Time in one syscall during a block (kernel-measured). */
export interface SyscallCause {
  name: string; // "clock_nanosleep", "recvfrom", "futex", ... (the architecture's table)
  count: number;
  ms: number;
}

/** The GIL (or a lock) the loop thread waited for, and who held it. */
export interface GilCause {
  waitMs: number; // time the loop thread spent in futex waits during the block
  holderTid: number;
  holderName: string | null;
  holderFrames: ReportFrame[]; // the holder's Python stack, innermost first
}

/** Why a block happened: what the loop thread did during its run phase, measured in the kernel. */
export interface Cause {
  onCpuMs: number; // running on a CPU
  offCpuMs: number; // sleeping / blocked (not runnable)
  runQueueMs: number; // runnable, waiting for a CPU (starvation)
  syscalls: SyscallCause[]; // by time, largest first, at most 5
  longestOff: { ms: number; syscall: string | null; kernelStack: string[] } | null; // innermost first
  gil: GilCause | null;
  summary: string; // one line: "302 ms: 1 ms on CPU, 301 ms off CPU in clock_nanosleep"
}

/** The container / Kubernetes pod of the target, from its cgroup path, when it runs in one. */
export interface ContainerRef {
  id: string | null;
  runtime: string | null;
  podUid: string | null;
}

export type Level = "warning" | "error";

export interface BlockEvent {
  kind: "block";
  eventNumber: number; // 1-based, per session
  timestampS: number; // seconds since the session started (original tool's meaning)
  pid: number;
  tid: number;
  threadName: string | null;
  startNs: bigint; // CLOCK_MONOTONIC, kernel
  endNs: bigint;
  durationMs: number;
  level: Level;
  stacks: WeightedStack[] | null;
  stacksStatus: StacksStatus;
  task: TaskReport | null;
  samples: number; // stack samples taken inside [startNs, endNs]
  cause: Cause | null; // null when cause accounting is off or unavailable
  container: ContainerRef | null; // null when the target is not in a container
}

/** Cumulative stats of every gap, read from the kernel histogram once a second. */
export interface StatsRecord {
  kind: "stats";
  pid: number | null; // null when several targets share one histogram
  elapsedS: number;
  count: number;
  rate: number; // gaps per second over the last interval
  minMs: number;
  avgMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  dropped: number;
}

export interface ThreadTotal {
  pid: number;
  tid: number;
  threadName: string | null;
  events: number;
  totalMs: number;
  maxMs: number;
}

/** A blocking call site ranked in the summary by total blocked time. */
export interface SiteTotal {
  function: string;
  file: string;
  line: number | null;
  count: number;
  totalMs: number;
  maxMs: number;
  // Causes summed over the site's blocks that had one (kernel-measured).
  onCpuMs: number;
  offCpuMs: number;
  runQueueMs: number;
  gilWaitMs: number;
  topSyscall: string | null; // the syscall with the most time across the site's blocks
}

export interface SessionSummary {
  kind: "summary";
  durationS: number;
  events: number;
  dropped: number;
  threads: ThreadTotal[];
  sites: SiteTotal[];
}

export function levelFor(durationMs: number, errorThresholdMs: number): Level {
  return durationMs >= errorThresholdMs ? "error" : "warning";
}

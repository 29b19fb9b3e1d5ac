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
  | { kind: "ok" }
  | { kind: "disabled" } // stacks not requested (e.g. --stats) or not implemented for this target
  | { kind: "unavailable"; reason: string }; // e.g. "not a Python process", "unsupported Python 3.7"

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

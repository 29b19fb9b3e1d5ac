// blocksnoop's library API. The CLI is a thin consumer of `watch()`.
//
//   for await (const block of watch({ pids: [1234], thresholdMs: 50, signal })) {
//     console.log(block.durationMs, block.stacks?.[0]?.frames[0]?.function);
//   }
import { Watcher, type WatchConfig } from "./session/watcher.js";
import { stackAttributors } from "./session/stacks.js";
import { checkBpfPrivileges } from "./session/privileges.js";
import { checkTarget } from "./session/target.js";
import type { BlockEvent } from "./report/model.js";

export { ToolError, isToolError, type ErrorKind } from "./errors.js";
export type { BlockEvent, WeightedStack, ReportFrame, TaskReport, StacksStatus, StatsRecord, SessionSummary } from "./report/model.js";

export interface WatchParams {
  pids: number[];
  tid?: number;
  thresholdMs?: number; // default 100
  stacks?: boolean; // default true: Python stacks sampled during each block
  sampleIntervalMs?: number; // default 1
  errorThresholdMs?: number; // default 500
  signal?: AbortSignal; // abort to end the iteration (the kernel's pending events are delivered first)
}

/** Block events of the given processes, as they happen. Releases every kernel object when done. */
export async function* watch(p: WatchParams): AsyncGenerator<BlockEvent> {
  checkBpfPrivileges();
  for (const pid of p.pids) checkTarget(pid);
  const cfg: WatchConfig = {
    pids: p.pids,
    tid: p.tid,
    thresholdMs: p.thresholdMs ?? 100,
    stats: false,
    stacks: p.stacks ?? true,
    sampleIntervalMs: p.sampleIntervalMs ?? 1,
    errorThresholdMs: p.errorThresholdMs ?? 500,
  };
  const w = await Watcher.open(cfg, stackAttributors);
  const stop = () => w.stopEvents();
  p.signal?.addEventListener("abort", stop, { once: true });
  try {
    if (p.signal?.aborted === true) return;
    yield* w.blocks();
  } finally {
    p.signal?.removeEventListener("abort", stop);
    await w.close();
  }
}

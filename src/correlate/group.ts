// group: a block's samples → weighted stacks. Identical stacks (same function/file/line sequence)
// are one entry, weighted by the good samples that saw them, dominant first. Each sample counts
// for its sampling period, so at a constant interval a weight is exactly the stack's share of the
// sample count, and a sampler back-off in a very long block does not skew it. Torn samples are
// counted in the block's sample total but carry no weight: a half-read stack is not evidence.
import type { ReportFrame, TaskReport, WeightedStack } from "../report/model.js";
import type { SampleFrame } from "../sampler/types.js";
import type { InternedStack, StoredSample } from "./store.js";

/** Source text of a line of a target's file, or null (the session passes python's reader). */
export type SourceLine = (pid: number, file: string, line: number) => string | null;

export interface Grouped {
  stacks: WeightedStack[];
  task: TaskReport | null;
  threadName: string | null; // the Python thread name seen in the window
  samples: number; // every sample in the window, torn ones included
  torn: number; // samples without a usable stack
}

export function groupSamples(pid: number, samples: readonly StoredSample[], sourceLine?: SourceLine): Grouped {
  const counts = new Map<InternedStack, { n: number; periodNs: bigint }>(); // insertion order = first seen, the tie-breaker
  const tasks = new Map<string, { task: TaskReport; n: number }>();
  let good = 0;
  let goodNs = 0n;
  let threadName: string | null = null;
  for (const s of samples) {
    threadName = s.sample.threadName ?? threadName;
    if (s.stack === null) continue;
    good++;
    goodNs += s.sample.periodNs;
    const c = counts.get(s.stack);
    if (c === undefined) counts.set(s.stack, { n: 1, periodNs: s.sample.periodNs });
    else {
      c.n++;
      c.periodNs += s.sample.periodNs;
    }
    const task = s.sample.task;
    if (task !== null) {
      const k = `${task.name}\u0000${task.coroutines.join("\u0001")}`;
      const e = tasks.get(k);
      if (e === undefined) tasks.set(k, { task, n: 1 });
      else e.n++;
    }
  }
  // Stable sort: equal weights stay first-seen first.
  const ranked = [...counts].sort((a, b) => (b[1].periodNs > a[1].periodNs ? 1 : b[1].periodNs < a[1].periodNs ? -1 : b[1].n - a[1].n));
  const lines = new Map<string, string | null>(); // one source read per distinct line per block
  const stacks = ranked.map(([st, c]) => ({
    frames: st.frames.map((f) => reportFrame(pid, f, lines, sourceLine)),
    samples: c.n,
    weight: goodNs > 0n ? Number(c.periodNs) / Number(goodNs) : c.n / good,
  }));
  let task: TaskReport | null = null;
  let best = 0;
  for (const e of tasks.values()) {
    if (e.n > best) {
      best = e.n;
      task = { name: e.task.name, coroutines: [...e.task.coroutines] };
    }
  }
  return { stacks, task, threadName, samples: samples.length, torn: samples.length - good };
}

function reportFrame(pid: number, f: SampleFrame, cache: Map<string, string | null>, sourceLine?: SourceLine): ReportFrame {
  if (sourceLine === undefined || f.line === null) return { function: f.function, file: f.file, line: f.line, source: null };
  const k = `${f.file}\u0000${f.line}`;
  let src = cache.get(k);
  if (src === undefined) {
    try {
      src = sourceLine(pid, f.file, f.line);
    } catch {
      src = null; // a missing or unreadable source file never costs the block its stacks
    }
    cache.set(k, src);
  }
  return { function: f.function, file: f.file, line: f.line, source: src };
}

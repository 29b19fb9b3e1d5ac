// correlator: block events ⨝ stack samples. A block takes ONLY the samples of its own pid+tid
// whose capture time lies inside its exact [startNs, endNs] — no padding, no "now"-anchored
// window, never another thread's stacks (the original tool's three mis-attribution bugs).
// Because samples cross a worker boundary, a block's last samples may still be in flight when its
// event arrives: the correlator waits, bounded, until the sampler's high-water mark passes endNs.
import type { StacksStatus, TaskReport, WeightedStack } from "../report/model.js";
import type { StackSample } from "../sampler/types.js";
import { groupSamples, type SourceLine } from "./group.js";
import { SampleStore } from "./store.js";

export interface BlockWindow {
  pid: number;
  tid: number;
  startNs: bigint; // CLOCK_MONOTONIC, inclusive
  endNs: bigint; // CLOCK_MONOTONIC, inclusive
}

/** Stacks of one block; structurally the session's `Attribution`, plus diagnostics. */
export interface Attribution {
  stacks: WeightedStack[] | null; // null only when stacks are unavailable for the process
  task: TaskReport | null; // the task seen in most good samples
  threadName: string | null; // the Python thread name (threading.Thread.name), when read
  samples: number; // samples inside the window, torn ones included
  status: StacksStatus;
  torn: number;
  /** false: the wait for the sampler timed out, so samples near endNs may be missing. */
  complete: boolean;
}

export interface CorrelatorOptions {
  /** Longest wait for the high-water mark to pass endNs (default 50 ms). */
  waitTimeoutMs?: number;
  /** Keep a run phase's samples this long after it was last sampled (default 5 s). */
  retentionNs?: bigint;
  /** Hard memory cap per thread (default 100 000 samples). */
  maxSamplesPerThread?: number;
  sourceLine?: SourceLine;
  /** Called when a block has to wait: the sampler should flush its batch now. */
  onWait?: (endNs: bigint) => void;
}

interface Pending {
  block: BlockWindow;
  resolve: (a: Attribution) => void;
  timer: NodeJS.Timeout;
}

export class Correlator {
  /** Every sample with captureNs < hwm has been ingested; any later one has captureNs ≥ hwm. */
  private hwm = -1n;
  private readonly store: SampleStore;
  private readonly pending = new Set<Pending>();
  private readonly unavailable = new Map<number | "all", string>();
  private readonly waitTimeoutMs: number;

  constructor(private readonly opts: CorrelatorOptions = {}) {
    this.waitTimeoutMs = opts.waitTimeoutMs ?? 50;
    this.store = new SampleStore({
      retentionNs: opts.retentionNs ?? 5_000_000_000n,
      maxSamplesPerThread: opts.maxSamplesPerThread ?? 100_000,
    });
  }

  get highWaterNs(): bigint {
    return this.hwm;
  }

  /** Samples captured so far, and the sampler's new high-water mark. */
  ingest(samples: readonly StackSample[], highWaterNs: bigint): void {
    for (const s of samples) this.store.add(s);
    this.advance(highWaterNs);
  }

  advance(highWaterNs: bigint): void {
    if (highWaterNs > this.hwm) this.hwm = highWaterNs;
    for (const p of [...this.pending]) if (this.hwm > p.block.endNs) this.finish(p, true);
    this.store.prune(this.hwm, (pid, tid) => this.oldestPendingStart(pid, tid));
  }

  /** Stacks are not available for `pid` (or for every process): say why once per block. */
  markUnavailable(pid: number | "all", reason: string): void {
    // Samples already taken stay: a block that ended before the reader failed (e.g. the target
    // exiting) still gets its stacks; retention drops them in time.
    this.unavailable.set(pid, reason);
    for (const p of [...this.pending]) if (pid === "all" || p.block.pid === pid) this.finish(p, true);
  }

  attribute(block: BlockWindow): Promise<Attribution> {
    if (this.unavailableReason(block.pid) !== undefined || this.hwm > block.endNs) {
      return Promise.resolve(this.take(block, true));
    }
    return new Promise<Attribution>((resolve) => {
      const p: Pending = { block, resolve, timer: setTimeout(() => this.finish(p, false), this.waitTimeoutMs) };
      this.pending.add(p);
      this.opts.onWait?.(block.endNs);
    });
  }

  /** The block's attribution from the samples present now (pure; no waiting, nothing dropped). */
  correlate(block: BlockWindow, complete = true): Attribution {
    const inWindow = this.store.window(block.pid, block.tid, block.startNs, block.endNs);
    const reason = this.unavailableReason(block.pid);
    if (reason !== undefined && inWindow.length === 0) {
      return { stacks: null, task: null, threadName: null, samples: 0, status: { kind: "unavailable", reason }, torn: 0, complete };
    }
    const g = groupSamples(block.pid, inWindow, this.opts.sourceLine);
    return { stacks: g.stacks, task: g.task, threadName: g.threadName, samples: g.samples, status: { kind: "ok" }, torn: g.torn, complete };
  }

  /** Pending blocks resolve now with what has arrived. */
  close(): void {
    for (const p of [...this.pending]) this.finish(p, false);
  }

  get retained(): { samples: number; stacks: number; evicted: number } {
    return { samples: this.store.size, stacks: this.store.distinctStacks, evicted: this.store.evicted };
  }

  private unavailableReason(pid: number): string | undefined {
    return this.unavailable.get(pid) ?? this.unavailable.get("all");
  }

  private finish(p: Pending, complete: boolean): void {
    if (!this.pending.delete(p)) return;
    clearTimeout(p.timer);
    p.resolve(this.take(p.block, complete));
  }

  /** Attribute, then forget the samples no other waiting block of the thread can need. */
  private take(block: BlockWindow, complete: boolean): Attribution {
    const a = this.correlate(block, complete);
    const older = this.oldestPendingStart(block.pid, block.tid);
    if (older === undefined || older > block.endNs) this.store.dropThrough(block.pid, block.tid, block.endNs);
    return a;
  }

  private oldestPendingStart(pid: number, tid: number): bigint | undefined {
    let min: bigint | undefined;
    for (const p of this.pending) {
      if (p.block.pid === pid && p.block.tid === tid && (min === undefined || p.block.startNs < min)) min = p.block.startNs;
    }
    return min;
  }
}

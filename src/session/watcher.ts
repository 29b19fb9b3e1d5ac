// watcher: the library core. Opens the loop-gap probe on the targets, turns each kernel gap into
// a BlockEvent (thread name, level, stacks from the attributor), and reads the in-kernel
// histogram for stats. The CLI and the public `watch()` API are thin consumers of it.
import { LoopGapProbe, type GapEvent } from "../probes/loop-gap/index.js";
import { ToolError } from "../errors.js";
import { levelFor, type BlockEvent, type StatsRecord, type StacksStatus, type TaskReport, type WeightedStack } from "../report/model.js";
import { ThreadNames } from "./target.js";
import { Containers } from "./container.js";
import type { CauseAccounting } from "../cause/index.js";
import { THREAD_BUCKET_BOUNDS_S } from "../probes/loop-gap/layout.js";
import { COMPANION } from "../probes/run-cause/layout.js";
import type { GapSeries } from "../report/metrics.js";

export interface WatchConfig {
  pids: number[];
  tid?: number | undefined;
  thresholdMs: number; // with stats: 0 means no events
  stats: boolean;
  histogram?: boolean; // keep the kernel histogram without --stats (for --metrics)
  stacks: boolean;
  cause?: boolean; // kernel cause accounting per block (default on when events are reported)
  sampleIntervalMs: number;
  errorThresholdMs: number;
}

/** Where the Python stacks of a block come from (the sampler + correlator), when enabled. */
export interface Attribution {
  stacks: WeightedStack[] | null;
  task: TaskReport | null;
  threadName?: string | null; // the Python thread name, preferred over the OS name when known
  samples: number;
  status: StacksStatus;
}
export interface StackAttributor {
  addPid(pid: number): void;
  attribute(gap: GapEvent): Promise<Attribution>;
  close(): Promise<void>;
}
export type AttributorFactory = (probe: LoopGapProbe, cfg: WatchConfig, notice: (text: string) => void) => Promise<StackAttributor>;

const NO_STACKS: Attribution = { stacks: null, task: null, samples: 0, status: { kind: "disabled" } };

const nsToMs = (ns: bigint) => Number(ns) / 1e6;

export class Watcher {
  readonly startNs = process.hrtime.bigint();
  /** performance.now() (ms since this process started) when the loop-gap probe was attached. */
  armedAtMs = 0;
  private eventNumber = 0;
  private readonly names = new ThreadNames();
  private readonly containers = new Containers();
  private readonly known: Set<number>;
  private lastStats: { atNs: bigint; count: bigint } | undefined;

  private constructor(
    readonly probe: LoopGapProbe,
    private readonly cfg: WatchConfig,
    private readonly attributor: StackAttributor | undefined,
    private readonly causes: CauseAccounting | undefined,
  ) {
    this.known = new Set(cfg.pids);
    // Read when a process is first seen: a short-lived target may be gone by its first event
    // (attribution waits for late samples), and with it /proc/PID/cgroup.
    for (const pid of cfg.pids) this.containers.get(pid);
  }

  static async open(cfg: WatchConfig, attributors?: AttributorFactory, notice: (text: string) => void = () => {}): Promise<Watcher> {
    const events = !cfg.stats || cfg.thresholdMs > 0;
    const withCauses = events && cfg.cause !== false;
    const probe = await LoopGapProbe.open({
      pids: cfg.pids,
      ...(cfg.tid === undefined ? {} : { tid: cfg.tid }),
      thresholdNs: events ? BigInt(Math.round(cfg.thresholdMs * 1e6)) : null,
      stats: cfg.stats || cfg.histogram === true,
      threadHistograms: cfg.histogram === true,
      // room in each thread's entry for cause accounting, which attaches after detection is armed;
      // its raw_syscalls programs run as tail calls of loop-gap's (one probe per raw tracepoint:
      // a second one costs a busy loop ~3 % on its own, bench/README.md)
      ...(withCauses ? { companionBytes: COMPANION.size, rawSyscalls: true } : {}),
    });
    const armedAtMs = performance.now(); // detection is live from here; the rest loads after it
    let attributor: StackAttributor | undefined;
    let causes: CauseAccounting | undefined;
    try {
      if (withCauses) {
        const { CauseAccounting } = await import("../cause/index.js");
        try {
          causes = CauseAccounting.open({
            probe,
            pids: cfg.pids,
            python: cfg.stacks, // GIL holder attribution reads the target's memory like stacks do
            gilIdlePollMs: cfg.thresholdMs / 4,
          });
        } catch (e) {
          // e.g. a PID namespace on a kernel whose sched_switch is not a raw tracepoint (< 5.18):
          // detection and stacks go on, blocks say no cause
          if (!(e instanceof ToolError) || e.kind !== "not-supported") throw e;
          notice(`no cause accounting: ${e.chain()}`);
        }
      }
      if (cfg.stacks && attributors !== undefined) attributor = await attributors(probe, cfg, notice);
    } catch (e) {
      causes?.close();
      probe.close();
      throw e;
    }
    const w = new Watcher(probe, cfg, attributor, causes);
    w.armedAtMs = armedAtMs;
    return w;
  }

  addPid(pid: number): void {
    this.known.add(pid);
    this.containers.get(pid);
    this.probe.addPid(pid);
    this.causes?.addPid(pid);
    this.attributor?.addPid(pid);
  }

  removePid(pid: number): void {
    this.probe.removePid(pid);
  }

  /** End the event stream with what the kernel produced so far (the probes stay attached until close()); stacks and causes finish their last blocks. */
  stopEvents(): void {
    this.probe.endEvents();
  }

  /** Block events in kernel order; ends when close() is called. */
  async *blocks(): AsyncGenerator<BlockEvent> {
    for await (const gap of this.probe.events()) {
      yield await this.toEvent(gap);
    }
  }

  private async toEvent(gap: GapEvent): Promise<BlockEvent> {
    const [a, cause] = await Promise.all([
      this.attributor === undefined ? NO_STACKS : this.attributor.attribute(gap),
      this.causes === undefined ? null : this.causes.cause(gap),
    ]);
    const durationMs = nsToMs(gap.endNs - gap.startNs);
    return {
      kind: "block",
      eventNumber: ++this.eventNumber,
      timestampS: Number(gap.endNs - this.startNs) / 1e9,
      pid: gap.pid,
      tid: gap.tid,
      // CPython < 3.14 leaves the OS thread name (comm) as the program's: prefer the Python name.
      threadName: a.threadName ?? this.names.get(gap.pid, gap.tid),
      startNs: gap.startNs,
      endNs: gap.endNs,
      durationMs,
      level: levelFor(durationMs, this.cfg.errorThresholdMs),
      stacks: a.stacks,
      stacksStatus: a.status,
      task: a.task,
      samples: a.samples,
      cause,
      container: this.containers.get(gap.pid),
    };
  }

  /** The cumulative histogram as a stats record; rate over the interval since the last call. */
  statsRecord(): StatsRecord {
    const now = process.hrtime.bigint();
    const s = this.probe.readStats();
    const prev = this.lastStats ?? { atNs: this.startNs, count: 0n };
    const dt = Number(now - prev.atNs) / 1e9;
    this.lastStats = { atNs: now, count: s.count };
    const n = Number(s.count);
    const q = (p: number) => (n === 0 ? 0 : nsToMs(s.quantileNs(p)));
    return {
      kind: "stats",
      pid: this.cfg.pids.length === 1 ? (this.cfg.pids[0] ?? null) : null,
      elapsedS: Number(now - this.startNs) / 1e9,
      count: n,
      rate: dt > 0 ? Number(s.count - prev.count) / dt : 0,
      minMs: n === 0 ? 0 : nsToMs(s.minNs),
      avgMs: n === 0 ? 0 : nsToMs(s.sumNs) / n,
      p50Ms: q(0.5),
      p90Ms: q(0.9),
      p95Ms: q(0.95),
      p99Ms: q(0.99),
      maxMs: n === 0 ? 0 : nsToMs(s.maxNs),
      dropped: Number(this.probe.dropped()),
    };
  }

  /** The kernel's per-thread gap buckets as metric series, one per loop thread. */
  gapSeries(): GapSeries[] {
    return this.probe.threadStats().map((t) => {
      let cumulative = 0n;
      const buckets = THREAD_BUCKET_BOUNDS_S.map((le, i) => {
        cumulative += t.counts[i] ?? 0n;
        return { le, count: Number(cumulative) };
      });
      const labels = { pid: String(t.pid), tid: String(t.tid), thread: this.names.get(t.pid, t.tid) ?? "" };
      return { labels, buckets, count: Number(t.count), sumSeconds: Number(t.sumNs) / 1e9 };
    });
  }

  /**
   * Start stacks and causes for processes the kernel began to follow on its own (children of
   * targets: `sh -c`, uvicorn/gunicorn workers). Cheap; the session calls it once a second.
   */
  adoptDescendants(): number[] {
    const fresh = this.probe.targets().filter((pid) => !this.known.has(pid));
    for (const pid of fresh) {
      this.known.add(pid);
      this.containers.get(pid);
      this.causes?.addPid(pid);
      this.attributor?.addPid(pid);
    }
    return fresh;
  }

  dropped(): number {
    return Number(this.probe.dropped());
  }

  async close(): Promise<void> {
    try {
      await this.attributor?.close();
    } finally {
      this.probe.close();
      this.causes?.close();
      await this.causes?.whenClosed();
      await this.probe.whenClosed();
    }
  }
}

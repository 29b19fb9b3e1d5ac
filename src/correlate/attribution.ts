// attribution: the library entry the session uses — sampler worker + correlator, one owner.
// `attribute(gap)` resolves with the weighted Python stacks of exactly that block, or says why
// there are none; detection never waits on it for longer than the bounded high-water wait.
import { isToolError, ToolError } from "../errors.js";
import { SourceCache } from "../python/source.js";
import { findMapFd, retainMap, RUN_PHASE_MAP, Sampler, scheduleFor, type SamplerCounters, type ScheduleConfig, type StackSample } from "../sampler/index.js";
import { zeroCounters } from "../sampler/protocol.js";
import { Correlator, type Attribution, type BlockWindow } from "./correlator.js";
import type { SourceLine } from "./group.js";

export interface StackAttributionOptions {
  pids: readonly number[];
  /** Only this thread (the user's --tid). */
  tid?: number | null;
  /** The block threshold; the gate defaults to a quarter of it. */
  thresholdNs: bigint;
  /** Sample a thread once its run phase is this old (default thresholdNs / 4, at least 250 µs). */
  gateNs?: bigint;
  /** Sampling period during a block (default 1 ms; the CLI's --sample-interval). */
  intervalNs?: bigint;
  /** The loop-gap probe's threads map; default: found in this process by its name. */
  runPhaseMapFd?: number;
  /** Longest wait for late samples (default 2 × interval + 50 ms). */
  waitTimeoutMs?: number;
  /** How long a run phase's samples outlive it, for late block events (default 5 s). */
  retentionNs?: bigint;
  /** Source text for frames (default: the target's files via /proc/PID/root, cached). */
  sourceLine?: SourceLine;
  /** Human notices, e.g. "stacks unavailable for 1234: not a Python process". */
  onNotice?: (message: string) => void;
  /** Niceness of the sampler thread (default −10, so short blocks are sampled on a busy host; null: inherit). */
  samplerNice?: number | null;
  /** A tap on every sample as it arrives (diagnostics, tests); the correlator gets them anyway. */
  onSamples?: (samples: readonly StackSample[]) => void;
}

export interface AttributionStats {
  sampler: SamplerCounters;
  samplerThread: { tid: number | null; nice: string };
  retained: { samples: number; stacks: number; evicted: number };
  schedule: ScheduleConfig;
}

const MIN_GATE_NS = 250_000n; // a zero threshold must not mean "sample every thread all the time"

export class StackAttribution {
  private constructor(
    private readonly sampler: Sampler | null, // null: sampling could not start (the correlator says why)
    private readonly correlator: Correlator,
    private readonly schedule: ScheduleConfig,
    private readonly map: { close(): void } | null,
    /** CLOCK_MONOTONIC when the sampler worker was running. */
    private readonly samplingSinceNs: bigint,
  ) {}

  /**
   * Starts the sampler worker on the loop-gap probe's run-phase map. Never fails for want of
   * stacks: if sampling cannot start, every block is answered "unavailable" with the reason
   * (announced once through onNotice) and detection goes on. Throws only on bad options.
   */
  static async start(o: StackAttributionOptions): Promise<StackAttribution> {
    if (o.thresholdNs < 0n || (o.intervalNs !== undefined && o.intervalNs <= 0n)) {
      throw new ToolError("usage", "start stack sampling: the threshold must be ≥ 0 and the interval > 0");
    }
    const quarter = o.thresholdNs / 4n;
    const schedule = scheduleFor(o.thresholdNs, {
      gateNs: o.gateNs ?? (quarter > MIN_GATE_NS ? quarter : MIN_GATE_NS),
      ...(o.intervalNs === undefined ? {} : { intervalNs: o.intervalNs }),
    });
    let sampler: Sampler | null = null;
    const correlator = new Correlator({
      waitTimeoutMs: o.waitTimeoutMs ?? Number((2n * schedule.intervalNs) / 1_000_000n) + 50,
      ...(o.retentionNs === undefined ? {} : { retentionNs: o.retentionNs }),
      sourceLine: o.sourceLine ?? defaultSourceLine(),
      onWait: () => sampler?.flush(),
    });
    const unavailable = (pid: number | "all", reason: string) => {
      correlator.markUnavailable(pid, reason);
      o.onNotice?.(pid === "all" ? `stacks unavailable: ${reason}` : `stacks unavailable for ${pid}: ${reason}`);
    };
    let map: { fd: number; close(): void } | null = null;
    try {
      const probeFd = o.runPhaseMapFd ?? findMapFd(RUN_PHASE_MAP);
      if (probeFd === undefined) throw new ToolError("internal", `find the ${RUN_PHASE_MAP.name} map in this process (is the loop-gap probe open?)`);
      map = retainMap(probeFd);
      sampler = await Sampler.start(
        { mapFd: map.fd, pids: o.pids, tid: o.tid ?? null, schedule, ...(o.samplerNice === undefined ? {} : { nice: o.samplerNice }) },
        {
          onSamples: (samples, hwm) => {
            o.onSamples?.(samples);
            correlator.ingest(samples, hwm);
          },
          onUnavailable: unavailable,
        },
      );
    } catch (e) {
      map?.close();
      map = null;
      unavailable("all", `start the sampler: ${isToolError(e) ? e.chain() : String(e)}`);
    }
    return new StackAttribution(sampler, correlator, schedule, map, process.hrtime.bigint());
  }

  /** Also sample this process (e.g. a launched child). */
  addPid(pid: number): void {
    this.sampler?.addPid(pid);
  }

  /** The stacks of one block (a kernel gap event): same pid+tid, inside [startNs, endNs]; when there are none, why. */
  async attribute(gap: BlockWindow): Promise<Attribution> {
    const a = await this.correlator.attribute(gap);
    if (a.status.kind !== "ok" || (a.stacks !== null && a.stacks.length > 0)) return a;
    return { ...a, status: { kind: "ok", note: whyNoStack(gap, a, this.schedule, this.samplingSinceNs) } };
  }

  stats(): AttributionStats {
    return {
      sampler: this.sampler?.counters ?? zeroCounters(),
      samplerThread: this.sampler?.thread ?? { tid: null, nice: "inherited" },
      retained: this.correlator.retained,
      schedule: this.schedule,
    };
  }

  /** Stops the worker and releases blocks still waiting. Idempotent. */
  async close(): Promise<void> {
    try {
      await this.sampler?.close();
    } finally {
      this.map?.close(); // the worker has stopped reading it
      this.correlator.close();
    }
  }
}

const ms = (ns: bigint): string => `${(Number(ns) / 1e6).toFixed(Number(ns) < 10_000_000 ? 2 : 0)} ms`;

/**
 * Why a block of a process whose stacks are readable has none, from what is known for certain:
 * every read was torn, the sampler was not running yet, or the block was too short for the
 * schedule (a new run phase is looked at within one tick, and read once it is `gate` old: the
 * first read comes up to max(gate, tick) into a callback, then every `interval`). Else a read was
 * due and none landed in the window (the sampler thread did not run in time).
 */
export function whyNoStack(gap: BlockWindow, a: Attribution, schedule: ScheduleConfig, samplingSinceNs: bigint): string {
  if (a.torn > 0 && a.torn === a.samples) return `${a.torn === 1 ? "the only sample was" : `all ${a.torn} samples were`} torn (the stack changed while it was read)`;
  if (gap.endNs <= samplingSinceNs + schedule.intervalNs) return "the block ended before the stack sampler was running";
  const first = schedule.gateNs > schedule.tickNs ? schedule.gateNs : schedule.tickNs;
  const when = `the first stack read comes up to ${ms(first)} into a callback, then every ${ms(schedule.intervalNs)}`;
  if (gap.endNs - gap.startNs < first + schedule.intervalNs) return `too short to be sure of a sample: ${when}`;
  return `no sample landed in it (${when})`;
}

/** Processes whose source files stay cached: discovery mode sees processes come and go. */
const SOURCE_CACHES = 16;

/** Source lines through /proc/PID/root, one cache per process, for the most recently used ones. */
function defaultSourceLine(): SourceLine {
  const sources = new Map<number, SourceCache>(); // least recently used first
  return (pid, file, line) => {
    let c = sources.get(pid);
    if (c !== undefined) sources.delete(pid);
    else {
      c = new SourceCache(pid);
      if (sources.size >= SOURCE_CACHES) sources.delete(sources.keys().next().value as number);
    }
    sources.set(pid, c);
    return c.line(file, line);
  };
}

/** What the session's watch config says about stacks (structurally session/watcher.ts WatchConfig). */
export interface WatchStacksConfig {
  pids: readonly number[];
  tid?: number | undefined;
  thresholdMs: number;
  sampleIntervalMs: number;
}

/**
 * The session's AttributorFactory: `(probe, cfg) => StackAttribution`. The probe is not read: its
 * threads map is found in this process by name (the probe keeps its maps private); a probe that
 * exposes `runPhaseMapFd` is used directly.
 */
export function stackAttributorFactory(onNotice?: (message: string) => void): (probe: object, cfg: WatchStacksConfig) => Promise<StackAttribution> {
  return (probe, cfg) => {
    const fd = "runPhaseMapFd" in probe && typeof probe.runPhaseMapFd === "number" ? probe.runPhaseMapFd : undefined;
    return StackAttribution.start({
      pids: cfg.pids,
      tid: cfg.tid ?? null,
      thresholdNs: BigInt(Math.round(cfg.thresholdMs * 1e6)),
      intervalNs: BigInt(Math.max(1, Math.round(cfg.sampleIntervalMs * 1e6))),
      ...(fd === undefined ? {} : { runPhaseMapFd: fd }),
      ...(onNotice === undefined ? {} : { onNotice }),
    });
  };
}

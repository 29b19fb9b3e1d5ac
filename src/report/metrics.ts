// metrics: --metrics HOST:PORT, an OpenMetrics endpoint for Prometheus. Block counts and
// durations per process and thread come from the events (prom-client); the histogram of every
// loop gap comes from the kernel, already aggregated, and is rendered here as a histogram family.
//
// Series lifetime. Prometheus expects a counter or histogram series to stay in the output and
// never decrease for as long as the thing it counts exists; `rate()`/`increase()` are computed
// per series, and `sum by (pid)` over a family only stays monotonic if no member disappears.
// The kernel's per-thread gap histograms do not give that on their own: a thread's entry goes
// away soon after the thread exits (the probe prunes it, and all of a process's entries when the
// process goes), and a tid reused later starts again from zero. So this file keeps its own copy
// of every gap series it has served, keyed by pid/tid:
//   - a thread that exited keeps its last values (flat from then on: rate 0, sums unchanged) for
//     as long as its process lives — it is part of that process's history;
//   - a series whose kernel count goes down (the tid was reused after a prune) continues from
//     where it was: the earlier values become a base the new ones are added to;
//   - a series' labels are those it was first served with (a later name change, or the name
//     becoming unreadable, would otherwise start a new series and double the sums);
//   - when the process itself is gone (exited and reaped, or a zombie with no thread left, or its
//     pid now belongs to another process), every series of that pid — gap series and the block
//     counters alike — is still served for RETAIN_GONE_MS, and at least by one scrape, so that
//     every scraper (two HA replicas included) sees the final values; then it is dropped. Memory
//     is bounded by the processes alive plus those that ended within that time, with at most
//     MAX_EXITED_THREADS kept per live process (a process that churns loop threads would
//     otherwise grow without bound: past the cap the longest-exited go, as they did before).
// What this cannot do alone: the gap increments of a thread's last moments (between the last
// scrape and the probe's prune, ≤ 1 s after the thread exits) are only in the kernel entry the
// probe deletes; the probe would have to hand its final value over when it prunes.
import http from "node:http";
import fs from "node:fs";
import client from "prom-client";
import { ToolError } from "../errors.js";
import type { BlockEvent, SessionSummary } from "./model.js";
import type { Sink } from "./sink.js";

/** One histogram series of loop gaps: cumulative counts at `le` bounds (seconds), ending with +Inf. */
export interface GapSeries {
  labels: Record<string, string>;
  buckets: Array<{ le: number; count: number }>; // cumulative, le ascending; +Inf is added from `count`
  count: number;
  sumSeconds: number;
}

export const BLOCK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** How long the series of a process that is gone are still served (and at least one scrape). */
export const RETAIN_GONE_MS = 60_000;
/** Exited threads whose gap series are kept per live process (the longest-exited go first). */
export const MAX_EXITED_THREADS = 1000;

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labelText = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}="${escape(v)}"`).join(",");

/** The OpenMetrics text of one histogram family. */
export function renderGapHistogram(name: string, help: string, series: readonly GapSeries[]): string {
  const out = [`# TYPE ${name} histogram`, `# HELP ${name} ${help}`, `# UNIT ${name} seconds`];
  for (const s of series) {
    const base = labelText(s.labels);
    const sep = base === "" ? "" : ",";
    for (const b of s.buckets) out.push(`${name}_bucket{${base}${sep}le="${b.le}"} ${b.count}`);
    out.push(`${name}_bucket{${base}${sep}le="+Inf"} ${s.count}`);
    out.push(`${name}_count${base === "" ? "" : `{${base}}`} ${s.count}`);
    out.push(`${name}_sum${base === "" ? "" : `{${base}}`} ${s.sumSeconds}`);
  }
  return out.join("\n") + "\n";
}

/**
 * Who a live process is, or undefined when it is gone: its start time (field 22 of
 * /proc/PID/stat, clock ticks since boot), which tells a reused pid from the process we saw. A
 * zombie whose leader exited while other threads run on is still alive (its task/ has them).
 */
export function processIdentity(pid: number): string | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // comm may hold spaces and ')'
  const state = fields[0];
  if (state === "Z" || state === "X") {
    try {
      if (fs.readdirSync(`/proc/${pid}/task`).length <= 1) return undefined;
    } catch {
      return undefined;
    }
  }
  return fields[19]; // starttime: field 22, the 20th after the state
}

export interface MetricsOptions {
  host: string;
  port: number;
  gaps: () => GapSeries[]; // read at scrape time
  dropped: () => number;
  /** Test seams: process identity (default processIdentity), clock (ms), retention of gone processes. */
  identity?: (pid: number) => string | undefined;
  nowMs?: () => number;
  retainGoneMs?: number;
  maxExitedThreads?: number;
}

type BlockLabels = Record<"pid" | "tid" | "thread" | "container_id", string>;

/** A gap series as served: pinned labels, the latest kernel values, and what earlier incarnations of the tid counted. */
interface KeptGap {
  labels: Record<string, string>;
  les: number[];
  base: { counts: number[]; count: number; sum: number };
  last: { counts: number[]; count: number; sum: number };
}

interface ProcessRecord {
  identity: string | undefined; // undefined: first seen after it was gone (a late event)
  goneAtMs: number | undefined;
  servedSinceGone: boolean;
  gaps: Map<string, KeptGap>; // by tid label
  exited: Set<string>; // tids whose kernel entry went away, oldest first
  blockLabels: Map<string, BlockLabels>;
}

export class MetricsSink implements Sink {
  private readonly registry = new client.Registry<client.OpenMetricsContentType>();
  private readonly blocks: client.Counter<"pid" | "tid" | "thread" | "container_id">;
  private readonly durations: client.Histogram<"pid" | "tid" | "thread" | "container_id">;
  private readonly processes = new Map<string, ProcessRecord>(); // by pid label
  private readonly identity: (pid: number) => string | undefined;
  private readonly nowMs: () => number;
  private scrape: Promise<unknown> = Promise.resolve(); // renders one at a time: they share the kept state

  private constructor(private readonly server: http.Server, private readonly o: MetricsOptions) {
    this.identity = o.identity ?? processIdentity;
    this.nowMs = o.nowMs ?? Date.now;
    this.registry.setContentType(client.Registry.OPENMETRICS_CONTENT_TYPE);
    const labelNames = ["pid", "tid", "thread", "container_id"] as const;
    this.blocks = new client.Counter({ name: "blocksnoop_blocks", help: "Blocks at or above the threshold", labelNames, registers: [this.registry] });
    this.durations = new client.Histogram({ name: "blocksnoop_block_duration_seconds", help: "Duration of blocks at or above the threshold", labelNames, buckets: BLOCK_BUCKETS, registers: [this.registry] });
    const dropped = o.dropped;
    new client.Gauge({
      name: "blocksnoop_events_dropped",
      help: "Block events dropped in the kernel because the ring buffer was full (cumulative)",
      registers: [this.registry],
      collect() {
        this.set(dropped());
      },
    });
  }

  static async listen(o: MetricsOptions): Promise<MetricsSink> {
    let sink: MetricsSink | undefined;
    const server = http.createServer((req, res) => {
      if (sink === undefined || (req.url !== "/metrics" && req.url !== "/")) {
        res.writeHead(404).end("blocksnoop: see /metrics\n");
        return;
      }
      sink.render().then(
        (text) => res.writeHead(200, { "Content-Type": client.Registry.OPENMETRICS_CONTENT_TYPE }).end(text),
        (e: unknown) => res.writeHead(500).end(`blocksnoop: ${String(e)}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", (e: NodeJS.ErrnoException) =>
        reject(new ToolError("usage", `--metrics: cannot listen on ${o.host}:${o.port}: ${e.code === "EADDRINUSE" ? "address in use" : e.code === "EADDRNOTAVAIL" ? "no such local address" : (e.code ?? e.message)}`)),
      );
      server.listen(o.port, o.host, () => resolve());
    });
    server.unref(); // never keeps the tool alive on its own
    sink = new MetricsSink(server, o);
    return sink;
  }

  get address(): { host: string; port: number } {
    const a = this.server.address();
    return typeof a === "object" && a !== null ? { host: a.address, port: a.port } : { host: this.o.host, port: this.o.port };
  }

  /** One scrape: forget what has been gone long enough, take in the kernel's values, render. */
  render(): Promise<string> {
    const next = this.scrape.then(() => this.renderNow());
    this.scrape = next.catch(() => undefined);
    return next;
  }

  private async renderNow(): Promise<string> {
    const now = this.nowMs();
    this.sweep(now);
    this.takeGaps(this.o.gaps());
    const text = await this.registry.metrics();
    const gaps = renderGapHistogram("blocksnoop_loop_gap_seconds", "Time between two waits of a loop thread (every loop iteration), from the kernel", this.keptGaps());
    for (const p of this.processes.values()) if (p.goneAtMs !== undefined) p.servedSinceGone = true;
    // OpenMetrics ends with "# EOF": the kernel histogram goes before it.
    return text.replace(/# EOF\s*$/, `${gaps}# EOF\n`);
  }

  block(e: BlockEvent): void {
    const labels: BlockLabels = { pid: String(e.pid), tid: String(e.tid), thread: e.threadName ?? "", container_id: e.container?.id ?? "" };
    this.process(labels.pid).blockLabels.set(labelText(labels), labels);
    this.blocks.inc(labels);
    this.durations.observe(labels, e.durationMs / 1000);
  }

  summary(_s: SessionSummary): void {}

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The record of a pid label, created (with the process's identity now) when first seen. */
  private process(pid: string): ProcessRecord {
    let p = this.processes.get(pid);
    if (p === undefined) {
      p = { identity: this.identity(Number(pid)), goneAtMs: undefined, servedSinceGone: false, gaps: new Map(), exited: new Set(), blockLabels: new Map() };
      this.processes.set(pid, p);
    }
    return p;
  }

  /** Note processes that ended; drop those gone for the retention time and served since. A reused pid is dropped at once. */
  private sweep(now: number): void {
    const retain = this.o.retainGoneMs ?? RETAIN_GONE_MS;
    for (const [pid, p] of this.processes) {
      const id = this.identity(Number(pid));
      if (id !== undefined && p.identity !== undefined && id !== p.identity) {
        this.drop(pid, p); // another process has this pid now: its series start afresh under the same labels
        continue;
      }
      if (id !== undefined && p.goneAtMs === undefined) continue;
      if (p.goneAtMs === undefined) {
        p.goneAtMs = now;
        p.servedSinceGone = false;
      } else if (p.servedSinceGone && now - p.goneAtMs >= retain) {
        this.drop(pid, p);
      }
    }
  }

  private drop(pid: string, p: ProcessRecord): void {
    for (const labels of p.blockLabels.values()) {
      this.blocks.remove(labels);
      this.durations.remove(labels);
    }
    this.processes.delete(pid);
  }

  /** Merge one read of the kernel's per-thread series into the kept ones. */
  private takeGaps(series: readonly GapSeries[]): void {
    const seen = new Map<ProcessRecord, Set<string>>();
    for (const s of series) {
      const pid = s.labels["pid"] ?? "";
      const tid = s.labels["tid"] ?? labelText(s.labels);
      const p = this.process(pid);
      let tids = seen.get(p);
      if (tids === undefined) seen.set(p, (tids = new Set()));
      tids.add(tid);
      p.exited.delete(tid);
      const values = { counts: s.buckets.map((b) => b.count), count: s.count, sum: s.sumSeconds };
      const kept = p.gaps.get(tid);
      const les = s.buckets.map((b) => b.le);
      if (kept === undefined || kept.les.join() !== les.join()) {
        p.gaps.set(tid, { labels: { ...s.labels }, les, base: { counts: les.map(() => 0), count: 0, sum: 0 }, last: values });
        continue;
      }
      if (values.count < kept.last.count) {
        // a new thread under a tid whose entry was pruned: continue from the old one's total
        kept.base = { counts: kept.base.counts.map((c, i) => c + (kept.last.counts[i] ?? 0)), count: kept.base.count + kept.last.count, sum: kept.base.sum + kept.last.sum };
      }
      kept.last = values;
    }
    const cap = this.o.maxExitedThreads ?? MAX_EXITED_THREADS;
    for (const p of this.processes.values()) {
      const live = seen.get(p);
      for (const tid of p.gaps.keys()) if (live?.has(tid) !== true) p.exited.add(tid);
      for (const tid of p.exited) {
        if (p.exited.size <= cap) break;
        p.exited.delete(tid);
        p.gaps.delete(tid);
      }
    }
  }

  /** Every kept gap series with its served values (base + latest), by pid then tid. */
  private keptGaps(): GapSeries[] {
    const out: GapSeries[] = [];
    for (const p of this.processes.values()) {
      for (const g of p.gaps.values()) {
        out.push({
          labels: g.labels,
          buckets: g.les.map((le, i) => ({ le, count: (g.base.counts[i] ?? 0) + (g.last.counts[i] ?? 0) })),
          count: g.base.count + g.last.count,
          sumSeconds: g.base.sum + g.last.sum,
        });
      }
    }
    const n = (s: GapSeries, k: string) => Number(s.labels[k] ?? 0);
    return out.sort((a, b) => n(a, "pid") - n(b, "pid") || n(a, "tid") - n(b, "tid"));
  }
}

// metrics: --metrics HOST:PORT, an OpenMetrics endpoint for Prometheus. Block counts and
// durations per process and thread come from the events (prom-client); the histogram of every
// loop gap comes from the kernel, already aggregated, and is rendered here as a histogram family.
import http from "node:http";
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

export interface MetricsOptions {
  host: string;
  port: number;
  gaps: () => GapSeries[]; // read at scrape time
  dropped: () => number;
}

export class MetricsSink implements Sink {
  private readonly registry = new client.Registry<client.OpenMetricsContentType>();
  private readonly blocks: client.Counter<"pid" | "tid" | "thread" | "container_id">;
  private readonly durations: client.Histogram<"pid" | "tid" | "thread" | "container_id">;

  private constructor(private readonly server: http.Server, private readonly o: MetricsOptions) {
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

  async render(): Promise<string> {
    const text = await this.registry.metrics();
    const gaps = renderGapHistogram("blocksnoop_loop_gap_seconds", "Time between two waits of a loop thread (every loop iteration), from the kernel", this.o.gaps());
    // OpenMetrics ends with "# EOF": the kernel histogram goes before it.
    return text.replace(/# EOF\s*$/, `${gaps}# EOF\n`);
  }

  block(e: BlockEvent): void {
    const labels = { pid: String(e.pid), tid: String(e.tid), thread: e.threadName ?? "", container_id: e.container?.id ?? "" };
    this.blocks.inc(labels);
    this.durations.observe(labels, e.durationMs / 1000);
  }

  summary(_s: SessionSummary): void {}

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

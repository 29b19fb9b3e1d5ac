// stats-view: --stats on a console. On a TTY the frame is redrawn in place each second; on a
// pipe or file one line is appended per second (no escape codes in logs).
import type { SessionSummary, StatsRecord } from "./model.js";
import type { Sink } from "./sink.js";
import type { Style } from "./console.js";
import { renderSummary } from "./summary.js";

const f3 = (n: number) => `${n.toFixed(3).padStart(10)} ms`;

export function statsFrame(r: StatsRecord): string[] {
  const who = r.pid === null ? "all targets" : `pid ${r.pid}`;
  const lines = [
    `loop iterations, ${who}, ${r.elapsedS.toFixed(0)} s`,
    `  count ${String(r.count).padStart(13)}    rate ${r.rate.toFixed(1).padStart(10)}/s`,
    `  min   ${f3(r.minMs)}    avg  ${f3(r.avgMs)}`,
    `  p50   ${f3(r.p50Ms)}    p90  ${f3(r.p90Ms)}`,
    `  p95   ${f3(r.p95Ms)}    p99  ${f3(r.p99Ms)}`,
    `  max   ${f3(r.maxMs)}`,
  ];
  if (r.dropped > 0) lines.push(`  dropped ${r.dropped}`);
  return lines;
}

export function statsLine(r: StatsRecord): string {
  const m = (n: number) => n.toFixed(3);
  return `${r.elapsedS.toFixed(1)}s count=${r.count} rate=${r.rate.toFixed(1)}/s min=${m(r.minMs)} avg=${m(r.avgMs)} p50=${m(r.p50Ms)} p90=${m(r.p90Ms)} p95=${m(r.p95Ms)} p99=${m(r.p99Ms)} max=${m(r.maxMs)} ms`;
}

export class StatsViewSink implements Sink {
  private drawn = 0;
  constructor(private readonly o: { write(s: string): void; tty: boolean; style: Style }) {}

  block(): void {}

  stats(r: StatsRecord): void {
    if (!this.o.tty) {
      this.o.write(statsLine(r) + "\n");
      return;
    }
    const lines = statsFrame(r);
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : "";
    this.o.write(up + lines.map((l, i) => `\x1b[2K${i === 0 ? this.o.style.bold(l) : l}`).join("\n") + "\n");
    this.drawn = lines.length;
  }

  notice(text: string): void {
    this.o.write(`blocksnoop: ${text}\n`);
    this.drawn = 0;
  }

  summary(s: SessionSummary): void {
    this.o.write(renderSummary(s));
  }

  async close(): Promise<void> {}
}

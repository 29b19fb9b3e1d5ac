// console: the human view on stderr, in the original tool's format: a header per block, then the
// Python stack "most recent call last" with asyncio/stdlib frames folded, each stack's share of
// the block, and the task.
import type { BlockEvent, Cause, SessionSummary, WeightedStack } from "./model.js";
import type { Sink } from "./sink.js";
import { visibleFrames } from "./frames.js";
import { renderSummary } from "./summary.js";

export interface Style {
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const esc = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
export const COLOR: Style = { red: esc("31"), yellow: esc("33"), dim: esc("2"), bold: esc("1") };
export const PLAIN: Style = { red: (s) => s, yellow: (s) => s, dim: (s) => s, bold: (s) => s };

export interface ConsoleOptions {
  write(text: string): void;
  style: Style;
  verbose: boolean;
  multiProcess: boolean;
}

function header(e: BlockEvent, o: ConsoleOptions): string {
  const ts = e.timestampS.toFixed(2).padStart(7);
  const num = `#${e.eventNumber}`.padEnd(4);
  const dur = `${e.durationMs.toFixed(1).padStart(8)}ms`;
  const who = `${o.multiProcess ? `pid=${e.pid} ` : ""}tid=${e.tid}${e.threadName === null ? "" : ` (${e.threadName})`}`;
  const paint = e.level === "error" ? o.style.red : o.style.yellow;
  return paint(`[${ts}s] ${num}BLOCKED  ${dur}  ${who}`);
}

function stackLines(s: WeightedStack, total: number, o: ConsoleOptions): string[] {
  const share = total > 1 ? `, ${Math.round(s.weight * 100)}% of ${total} samples` : "";
  const lines = [`  Python stack (most recent call last)${share}:`];
  const { frames, hidden } = visibleFrames(s.frames);
  for (const f of frames) {
    lines.push(o.style.dim(`    ${f.file}:${f.line ?? "?"} in ${f.function}`));
    if (f.source !== null && f.source !== "") lines.push(o.style.dim(`      ${f.source}`));
  }
  if (hidden > 0) lines.push(o.style.dim(`    ... ${hidden} asyncio/stdlib frame${hidden === 1 ? "" : "s"} hidden`));
  return lines;
}

function causeLines(c: Cause, o: ConsoleOptions): string[] {
  const lines = [`  why: ${c.summary}`];
  if (!o.verbose) return lines;
  lines.push(o.style.dim(`    on CPU ${c.onCpuMs.toFixed(1)} ms, off CPU ${c.offCpuMs.toFixed(1)} ms, run queue ${c.runQueueMs.toFixed(1)} ms`));
  for (const s of c.syscalls) lines.push(o.style.dim(`    ${s.name}: ${s.count}× ${s.ms.toFixed(1)} ms`));
  if (c.longestOff !== null) {
    lines.push(o.style.dim(`    longest off-CPU wait ${c.longestOff.ms.toFixed(1)} ms${c.longestOff.syscall === null ? "" : ` in ${c.longestOff.syscall}`}, kernel stack:`));
    for (const k of c.longestOff.kernelStack) lines.push(o.style.dim(`      ${k}`));
  }
  if (c.gil !== null) {
    lines.push(o.style.dim(`    GIL held by tid ${c.gil.holderTid}${c.gil.holderName === null ? "" : ` (${c.gil.holderName})`}:`));
    for (const f of [...c.gil.holderFrames].reverse()) lines.push(o.style.dim(`      ${f.file}:${f.line ?? "?"} in ${f.function}`));
  }
  return lines;
}

export function renderBlock(e: BlockEvent, o: ConsoleOptions): string {
  const lines = [header(e, o)];
  if (e.cause !== null) lines.push(...causeLines(e.cause, o));
  if (e.task !== null) {
    const chain = e.task.coroutines.length > 0 ? ` (${e.task.coroutines.join(" → ")})` : "";
    lines.push(`  task: ${e.task.name}${chain}`);
  }
  if (e.stacks !== null && e.stacks.length > 0) {
    const shown = o.verbose ? e.stacks : e.stacks.slice(0, 3);
    shown.forEach((s, i) => {
      if (i > 0) lines.push("  ---");
      lines.push(...stackLines(s, e.samples, o));
    });
    if (shown.length < e.stacks.length) lines.push(o.style.dim(`  ... ${e.stacks.length - shown.length} more stacks (-v shows all)`));
  } else if (e.stacksStatus.kind === "unavailable") {
    lines.push(o.style.dim(`  (no Python stack: ${e.stacksStatus.reason})`));
  } else if (e.stacksStatus.kind === "ok") {
    lines.push(o.style.dim(`  (no Python stack captured${e.stacksStatus.note === undefined ? "" : `: ${e.stacksStatus.note}`})`));
  }
  return lines.join("\n") + "\n";
}

export class ConsoleSink implements Sink {
  constructor(private readonly o: ConsoleOptions) {}

  block(e: BlockEvent): void {
    this.o.write(renderBlock(e, this.o));
  }

  notice(text: string): void {
    this.o.write(this.o.style.dim(`blocksnoop: ${text}`) + "\n");
  }

  summary(s: SessionSummary): void {
    this.o.write(renderSummary(s));
  }

  async close(): Promise<void> {}
}

// summary: the session's totals, kept as events arrive and rendered at exit. Blocking call sites
// are ranked by total blocked time (the dominant stack's innermost application frame).
import type { BlockEvent, SessionSummary, SiteTotal, ThreadTotal } from "./model.js";
import { callSite } from "./frames.js";

export class SummaryBuilder {
  private readonly threads = new Map<string, ThreadTotal>();
  private readonly sites = new Map<string, SiteTotal>();
  private readonly siteSyscalls = new Map<string, Map<string, number>>();
  private events = 0;

  add(e: BlockEvent): void {
    this.events++;
    const tk = `${e.pid}/${e.tid}`;
    const t = this.threads.get(tk) ?? { pid: e.pid, tid: e.tid, threadName: e.threadName, events: 0, totalMs: 0, maxMs: 0 };
    t.events++;
    t.totalMs += e.durationMs;
    t.maxMs = Math.max(t.maxMs, e.durationMs);
    t.threadName = e.threadName ?? t.threadName;
    this.threads.set(tk, t);

    const top = e.stacks?.[0];
    const f = top === undefined ? undefined : callSite(top.frames);
    if (f === undefined) return;
    const sk = `${f.file}:${f.line ?? "?"}:${f.function}`;
    const s = this.sites.get(sk) ?? { function: f.function, file: f.file, line: f.line, count: 0, totalMs: 0, maxMs: 0, onCpuMs: 0, offCpuMs: 0, runQueueMs: 0, gilWaitMs: 0, topSyscall: null };
    s.count++;
    s.totalMs += e.durationMs;
    s.maxMs = Math.max(s.maxMs, e.durationMs);
    if (e.cause !== null) {
      s.onCpuMs += e.cause.onCpuMs;
      s.offCpuMs += e.cause.offCpuMs;
      s.runQueueMs += e.cause.runQueueMs;
      s.gilWaitMs += e.cause.gil?.waitMs ?? 0;
      const sys = this.siteSyscalls.get(sk) ?? new Map<string, number>();
      for (const c of e.cause.syscalls) sys.set(c.name, (sys.get(c.name) ?? 0) + c.ms);
      this.siteSyscalls.set(sk, sys);
      s.topSyscall = [...sys.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
    }
    this.sites.set(sk, s);
  }

  build(durationS: number, dropped: number): SessionSummary {
    const byTotal = <T extends { totalMs: number }>(a: T, b: T) => b.totalMs - a.totalMs;
    return {
      kind: "summary",
      durationS,
      events: this.events,
      dropped,
      threads: [...this.threads.values()].sort(byTotal),
      sites: [...this.sites.values()].sort(byTotal).slice(0, 20),
    };
  }
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

/** "on CPU 62%, off CPU 38% (mostly clock_nanosleep)" — for sites whose blocks had causes. */
export function siteCause(c: SiteTotal): string {
  const total = c.onCpuMs + c.offCpuMs + c.runQueueMs;
  if (total <= 0) return "";
  const pct = (n: number) => `${Math.round((100 * n) / total)}%`;
  // Name the syscall only when off-CPU time is a real part of the blocks (not a stray gettid).
  const where = c.topSyscall !== null && c.offCpuMs / total >= 0.05 ? ` (mostly ${c.topSyscall})` : "";
  const parts = [`on CPU ${pct(c.onCpuMs)}`, `off CPU ${pct(c.offCpuMs)}${where}`];
  if (c.runQueueMs / total >= 0.05) parts.push(`run queue ${pct(c.runQueueMs)}`);
  if (c.gilWaitMs > 0) parts.push(`GIL wait ${ms(c.gilWaitMs)}`);
  return parts.join(", ");
}

export function renderSummary(s: SessionSummary): string {
  const lines = ["--- blocksnoop session ---", `Duration: ${s.durationS.toFixed(1)}s`, `Blocking events detected: ${s.events}`];
  if (s.dropped > 0) lines.push(`Events dropped in the kernel (ring buffer full): ${s.dropped}`);
  if (s.threads.length > 0) {
    lines.push("Per thread (by total blocked time):");
    for (const t of s.threads) {
      const name = t.threadName === null ? "" : ` (${t.threadName})`;
      lines.push(`  pid ${t.pid} tid ${t.tid}${name}: ${t.events} event${t.events === 1 ? "" : "s"}, total ${ms(t.totalMs)}, max ${ms(t.maxMs)}`);
    }
  }
  if (s.sites.length > 0) {
    lines.push("Blocking call sites (by total blocked time):");
    for (const c of s.sites) {
      lines.push(`  ${ms(c.totalMs).padStart(11)} total  ${String(c.count).padStart(4)}×  max ${ms(c.maxMs).padStart(10)}  ${c.function} (${c.file}:${c.line ?? "?"})`);
      const why = siteCause(c);
      if (why !== "") lines.push(`  ${"".padStart(40)}${why}`);
    }
  }
  return lines.join("\n") + "\n";
}

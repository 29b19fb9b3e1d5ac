// The one-line wording of a Cause: total first, then the components, dominant first.
//   "302 ms: 301 ms off CPU in clock_nanosleep, 1 ms on CPU"
//   "200 ms: GIL wait 198 ms, held by tid 812 (Thread-1, in hog), 2 ms on CPU"
//   "100 ms: run-queue wait 80 ms (CPU starvation), 20 ms on CPU"
import type { Cause } from "../report/model.js";

/** "302", "1.5", "0.42": whole ms from 10 ms, one decimal from 1 ms, two below. */
export function formatMs(ms: number): string {
  if (ms >= 10) return String(Math.round(ms));
  if (ms >= 1) return String(Math.round(ms * 10) / 10);
  return String(Math.round(ms * 100) / 100);
}

type Part = { ms: number; text: (dominant: boolean) => string };

/** The syscall an off-CPU time is attributed to: the longest wait's, else the one with most time. */
function offSyscall(c: Omit<Cause, "summary">): string | null {
  if (c.longestOff !== null && c.longestOff.syscall !== null && c.longestOff.ms >= c.offCpuMs / 2) return c.longestOff.syscall;
  return c.syscalls[0]?.name ?? null;
}

export function summarize(c: Omit<Cause, "summary">): string {
  const total = c.onCpuMs + c.offCpuMs + c.runQueueMs;
  const parts: Part[] = [
    { ms: c.onCpuMs, text: () => `${formatMs(c.onCpuMs)} ms on CPU` },
    { ms: c.runQueueMs, text: (d) => (d ? `run-queue wait ${formatMs(c.runQueueMs)} ms (CPU starvation)` : `${formatMs(c.runQueueMs)} ms run-queue wait`) },
  ];
  const gil = c.gil;
  if (gil !== null && gil.waitMs >= c.offCpuMs / 2) {
    const where = gil.holderFrames[0]?.function;
    const who = [gil.holderName, where === undefined ? null : `in ${where}`].filter((x) => x !== null).join(", ");
    const gilText = `GIL wait ${formatMs(gil.waitMs)} ms, held by tid ${gil.holderTid}${who === "" ? "" : ` (${who})`}`;
    const rest = c.offCpuMs - gil.waitMs;
    parts.push({ ms: gil.waitMs, text: () => gilText });
    if (rest > 0) parts.push({ ms: rest, text: () => `${formatMs(rest)} ms off CPU` });
  } else {
    const sys = offSyscall(c);
    parts.push({ ms: c.offCpuMs, text: () => `${formatMs(c.offCpuMs)} ms off CPU${sys === null ? "" : ` in ${sys}`}` });
  }
  parts.sort((a, b) => b.ms - a.ms);
  const shown = parts.filter((p, i) => i === 0 || p.ms >= 0.5 || p.ms >= total / 100);
  return `${formatMs(total)} ms: ${shown.map((p, i) => p.text(i === 0)).join(", ")}`;
}

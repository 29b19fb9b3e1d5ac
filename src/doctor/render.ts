// render: the checklist as aligned plain UTF-8 text, or as one JSON document. Pure and
// deterministic: no colour, no terminal probing, so the output is the same in a pipe or a log.
import type { Check, Status } from "./check.js";

const MARK: Record<Status, string> = { ok: "✓", warn: "!", fail: "✗" };

export function renderText(checks: readonly Check[]): string {
  const width = Math.max(0, ...checks.map((c) => c.id.length));
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${MARK[c.status]} ${c.id.padEnd(width)}  ${c.detail}`);
    if (c.hint !== undefined) lines.push(`  ${" ".repeat(width)}  → ${c.hint}`);
  }
  const fails = checks.filter((c) => c.status === "fail").length;
  const warns = checks.filter((c) => c.status === "warn").length;
  lines.push("");
  lines.push(fails === 0 ? `ready: everything blocksnoop needs works here${warns > 0 ? ` (${warns} warning${warns === 1 ? "" : "s"})` : ""}` : `not ready: ${fails} required check${fails === 1 ? "" : "s"} failed`);
  return lines.join("\n") + "\n";
}

export interface DoctorReport {
  readonly checks: readonly Check[];
  readonly ok: boolean;
}

export function report(checks: readonly Check[]): DoctorReport {
  return { checks, ok: !checks.some((c) => c.status === "fail") };
}

export function renderJson(checks: readonly Check[]): string {
  return JSON.stringify(report(checks), null, 2) + "\n";
}

// Text form of a dump: one block per thread, frames like a Python traceback (most recent call
// last), with source lines and, with --locals, the simple locals of each frame.
import type { DumpDocument, DumpThread } from "./collect.js";

export function renderText(doc: DumpDocument): string {
  const lines: string[] = [`Process ${doc.pid}: Python ${doc.python}, ${doc.threads.length} thread${doc.threads.length === 1 ? "" : "s"}`];
  for (const t of doc.threads) lines.push("", ...renderThread(t));
  return lines.join("\n") + "\n";
}

function renderThread(t: DumpThread): string[] {
  const marks: string[] = [];
  if (t.holds_gil) marks.push("holds the GIL");
  if (t.loop) marks.push(t.task === null ? "asyncio loop, no task running" : `asyncio loop, running task ${JSON.stringify(t.task.name)}`);
  const head = `Thread ${t.tid}${t.name === null ? "" : ` ${JSON.stringify(t.name)}`}${marks.length > 0 ? ` (${marks.join("; ")})` : ""}`;
  const out = [head];
  if (t.task !== null && t.task.coroutines.length > 0) out.push(`  Task ${JSON.stringify(t.task.name)} awaiting: ${t.task.coroutines.join(" -> ")}`);
  if (t.status === "torn") {
    out.push(`  (stack not readable consistently: ${t.error ?? "torn read"})`);
    return out;
  }
  if (t.frames.length === 0) {
    out.push("  (no Python frames)");
    return out;
  }
  out.push("Traceback (most recent call last):");
  for (const f of [...t.frames].reverse()) {
    out.push(`  File "${f.file}", line ${f.line ?? "?"}, in ${f.function}`);
    if (f.source !== null && f.source !== "") out.push(`    ${f.source}`);
    for (const l of f.locals ?? []) out.push(`      ${l.name} = ${l.value}`);
  }
  return out;
}

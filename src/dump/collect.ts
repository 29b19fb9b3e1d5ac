// Collect one consistent-as-possible picture of every Python thread of a process, as the JSON
// document `dump --json` prints (snake_case keys, documented in README-dump.md).
import { openPython, type PythonProcess, type ThreadSample } from "../python/index.js";

export interface DumpLocal {
  name: string;
  value: string;
}
export interface DumpFrame {
  function: string;
  file: string;
  line: number | null;
  source: string | null;
  locals?: DumpLocal[];
}
export interface DumpTask {
  name: string;
  coroutines: string[];
}
export interface DumpThread {
  tid: number;
  name: string | null;
  holds_gil: boolean;
  loop: boolean;
  task: DumpTask | null;
  status: "ok" | "torn";
  error?: string;
  frames: DumpFrame[]; // innermost first
}
export interface DumpDocument {
  pid: number;
  python: string;
  threads: DumpThread[];
}

export interface CollectOptions {
  pid: number;
  locals: boolean;
}

export function collect(opts: CollectOptions): DumpDocument {
  const p = openPython(opts.pid);
  try {
    return collectFrom(p, opts.locals);
  } finally {
    p.close();
  }
}

export function collectFrom(p: PythonProcess, locals: boolean): DumpDocument {
  const v = p.version;
  return { pid: p.pid, python: `${v.major}.${v.minor}.${v.micro}`, threads: p.threads().map((t) => thread(p, t, locals)) };
}

function thread(p: PythonProcess, t: ThreadSample, withLocals: boolean): DumpThread {
  // With --locals, frames and locals come from one walk so they always belong together.
  const lf = withLocals && t.status === "ok" ? p.framesWithLocals(t.tid) : null;
  const src = (file: string, line: number | null): string | null => (line === null ? null : (p.sourceLine(file, line)?.trim() ?? null));
  const frames: DumpFrame[] =
    lf !== null
      ? lf.map((f) => ({ function: f.function, file: f.file, line: f.line, source: src(f.file, f.line), locals: f.locals }))
      : t.frames.map((f) => {
          const out: DumpFrame = { function: f.function, file: f.file, line: f.line, source: src(f.file, f.line) };
          if (withLocals) out.locals = [];
          return out;
        });
  const d: DumpThread = { tid: t.tid, name: t.name, holds_gil: t.holdsGil, loop: t.loop, task: t.task, status: t.status, frames };
  if (t.error !== undefined) d.error = t.error;
  return d;
}

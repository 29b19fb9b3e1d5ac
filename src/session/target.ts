// target: facts about target processes read from /proc (in the tool's own pid namespace).
import fs from "node:fs";
import { ToolError } from "../errors.js";

function statusField(pid: number, field: string): string | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const m = new RegExp(`^${field}:\\s*(.*)$`, "m").exec(text);
    return m?.[1];
  } catch {
    return undefined;
  }
}

/** Process state letter from /proc/PID/stat (R, S, D, T, Z, ...); undefined when gone. */
export function processState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm may contain spaces and parentheses: the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  const s = processState(pid);
  return s !== undefined && s !== "Z" && s !== "X";
}

/** Refuse what cannot be watched, with one clear reason. */
export function checkTarget(pid: number): void {
  const state = processState(pid);
  if (state === undefined) throw new ToolError("not-found", `no such process: ${pid}`);
  if (state === "Z" || state === "X") throw new ToolError("not-found", `process ${pid} has exited`);
  // "Kthread:" is in /proc/PID/status since Linux 6.0; before that a kernel thread has no exe.
  const kthread = statusField(pid, "Kthread");
  if (kthread === "1" || (kthread === undefined && !hasExe(pid))) {
    throw new ToolError("usage", `process ${pid} is a kernel thread, not a program with an event loop`);
  }
}

function hasExe(pid: number): boolean {
  try {
    fs.readlinkSync(`/proc/${pid}/exe`);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EACCES";
  }
}

/** Does the thread belong to the process? (for --tid) */
export function hasThread(pid: number, tid: number): boolean {
  return fs.existsSync(`/proc/${pid}/task/${tid}`);
}

export function threadName(pid: number, tid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trimEnd();
  } catch {
    return null;
  }
}

/**
 * Thread names (comm) by pid and tid, read from /proc at most once a second per thread (threads
 * rename themselves; a tid is reused by a later thread or, in discovery mode, another process). A
 * thread that is gone keeps its last known name. Bounded: the least recently read go first.
 */
export class ThreadNames {
  private readonly names = new Map<string, { name: string | null; atMs: number }>();

  constructor(
    private readonly maxEntries = 4096,
    private readonly maxAgeMs = 1000,
    private readonly read: (pid: number, tid: number) => string | null = threadName,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(pid: number, tid: number): string | null {
    const key = `${pid}:${tid}`;
    const hit = this.names.get(key);
    const t = this.now();
    if (hit !== undefined && hit.name !== null && t - hit.atMs < this.maxAgeMs) return hit.name;
    const name = this.read(pid, tid) ?? hit?.name ?? null;
    this.names.delete(key); // re-inserted last: Map order is the eviction order
    this.names.set(key, { name, atMs: t });
    for (const old of this.names.keys()) {
      if (this.names.size <= this.maxEntries) break;
      this.names.delete(old);
    }
    return name;
  }

  get size(): number {
    return this.names.size;
  }
}

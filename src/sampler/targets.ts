// targets: the Python reader of each watched process, through its life: opened when added,
// retried while a launched child may not have exec'd Python yet, given up on with a reason once
// it cannot be Python, forgotten silently when the process exits.
import { readlinkSync } from "node:fs";
import { isToolError } from "../errors.js";
import { openPython, type PythonProcess } from "../python/index.js";

// Once the process runs an event loop (a thread is in the kernel map) Python is initialised, so
// OPEN_RETRIES failures (one per OPEN_RETRY_NS, against torn reads while opening) are final.
const OPEN_RETRIES = 2;
const OPEN_RETRY_NS = 100_000_000n;

export type Target =
  | { kind: "open"; py: PythonProcess; errors: number } // errors: consecutive failed reads
  | { kind: "pending"; attempts: number; nextTryNs: bigint; lastError: string; notPythonExe: string | null }
  | { kind: "closed" };

export function describe(e: unknown): string {
  if (isToolError(e)) return e.chain();
  return e instanceof Error ? e.message : String(e);
}

/** Errors that will not go away by trying again later. */
function isFinal(e: unknown): boolean {
  return isToolError(e) && (e.kind === "unsupported-python" || e.kind === "permission" || e.kind === "not-found");
}

export class Targets {
  private readonly all = new Map<number, Target>();

  /** `onUnavailable` is called once per process that cannot be read, with why. */
  constructor(private readonly onUnavailable: (pid: number, reason: string) => void) {}

  has(pid: number): boolean {
    return this.all.has(pid);
  }

  get(pid: number): Target | undefined {
    return this.all.get(pid);
  }

  add(pid: number, nowNs: bigint): void {
    if (this.all.has(pid)) return;
    this.all.set(pid, { kind: "pending", attempts: 0, nextTryNs: 0n, lastError: "", notPythonExe: null });
    this.tryOpen(pid, nowNs, false);
  }

  /** `looping`: the process has a loop thread now, so failures count toward giving up. */
  tryOpen(pid: number, nowNs: bigint, looping: boolean): void {
    const st = this.all.get(pid);
    if (st === undefined || st.kind !== "pending") return;
    const exe = executable(pid);
    // A launched child is added while it is still the tool's fork (or `chrt`, `sh`…): that open
    // fails "not Python" and the next try waits OPEN_RETRY_NS. Once the process runs a loop under
    // another executable it has exec'd its interpreter: try at once, or a block in its first
    // 100 ms (CI saw one 30 ms after the script's first line) would have no stack.
    const execd = looping && st.notPythonExe !== null && exe !== null && exe !== st.notPythonExe;
    if (nowNs < st.nextTryNs && !execd) return;
    if (looping && st.notPythonExe !== null && exe === st.notPythonExe) {
      // This very executable was found not to be Python, and it now runs a loop: it has not
      // exec'd since, so another open (100+ ms for a large binary) would fail the same way.
      this.giveUp(pid, st.lastError);
      return;
    }
    try {
      const py = openPython(pid);
      this.all.set(pid, { kind: "open", py, errors: 0 });
      warm(py);
    } catch (e) {
      const reason = describe(e);
      const attempts = looping ? st.attempts + 1 : st.attempts;
      const notPython = isToolError(e) && e.kind === "not-python";
      if (isFinal(e) || (looping && notPython) || attempts >= OPEN_RETRIES) this.giveUp(pid, reason);
      else this.all.set(pid, { kind: "pending", attempts, nextTryNs: nowNs + OPEN_RETRY_NS, lastError: reason, notPythonExe: notPython ? exe : null });
    }
  }

  /** Stacks of `pid` cannot be read: close its reader and say why, once. */
  giveUp(pid: number, reason: string): void {
    this.close(pid);
    this.onUnavailable(pid, reason);
  }

  /** The process is gone: release its reader silently (the session reports target exits). */
  close(pid: number): void {
    const st = this.all.get(pid);
    if (st?.kind === "open") st.py.close();
    this.all.set(pid, { kind: "closed" });
  }

  closeAll(): void {
    for (const pid of this.all.keys()) this.close(pid);
  }
}

/**
 * Read every thread once, now: the first read of a process is ~10× slower (cold code-object and
 * line-table caches, unoptimised JS), long enough to outlast a short block and be discarded.
 */
function warm(py: PythonProcess): void {
  try {
    py.threads();
  } catch {
    // best effort: a torn warm-up read costs nothing; real reads report their own errors
  }
}

/** The process's executable (changes at exec), or null. */
function executable(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

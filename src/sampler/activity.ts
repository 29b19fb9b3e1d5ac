// activity: has a thread run since its stack was last read? If it has not, its Python stack cannot
// have changed, so an off-CPU block (sleep, recv, a lock) is sampled by re-using the last stack
// for ~10 µs of /proc reads instead of a ~100 µs walk of the target's memory.
//
// /proc/PID/task/TID/schedstat (Linux 2.6.x, CONFIG_SCHEDSTATS-independent since 4.x) holds
// sum_exec_runtime and pcount (times switched in). For a RUNNING task sum_exec_runtime is only
// updated at ticks and switches, so equality alone proves nothing; hence the state is read first
// (stat, field 3): if the thread sleeps now and both counters equal those read before the last
// stack read, it has not executed one instruction in between. State first, then counters: a wake
// between the two reads increments pcount, and a sleep that began after the last read updated
// sum_exec_runtime at switch-out, so either way the counters differ.
import { closeSync, openSync, readSync } from "node:fs";

export interface Activity {
  running: boolean;
  runtimeNs: bigint;
  switchesIn: bigint;
}

/** "runtime waittime pcount" → the two counters, or null. */
export function parseSchedstat(text: string): { runtimeNs: bigint; switchesIn: bigint } | null {
  const m = /^(\d+) \d+ (\d+)/.exec(text);
  return m?.[1] === undefined || m[2] === undefined ? null : { runtimeNs: BigInt(m[1]), switchesIn: BigInt(m[2]) };
}

/** The state letter of a /proc stat line ("812 (comm with ) spaces) S 1 …"), or null. */
export function parseStatState(text: string): string | null {
  const close = text.lastIndexOf(")");
  const state = close < 0 ? undefined : text[close + 2];
  return state === undefined || state === " " ? null : state;
}

/** True when the thread provably did not run between the two observations. */
export function idleSince(before: Activity, now: Activity): boolean {
  return !now.running && before.runtimeNs === now.runtimeNs && before.switchesIn === now.switchesIn;
}

/** Two /proc files of one thread, kept open and re-read with pread (one syscall each). */
export class ThreadActivity {
  private readonly buf = Buffer.alloc(512);
  private constructor(
    private statFd: number,
    private schedFd: number,
  ) {}

  static open(pid: number, tid: number): ThreadActivity | null {
    let stat = -1;
    try {
      stat = openSync(`/proc/${pid}/task/${tid}/stat`, "r");
      return new ThreadActivity(stat, openSync(`/proc/${pid}/task/${tid}/schedstat`, "r"));
    } catch {
      if (stat >= 0) closeSync(stat);
      return null; // the thread exited, or no schedstat: every sample is then a real read
    }
  }

  read(): Activity | null {
    try {
      const state = parseStatState(this.text(this.statFd));
      const counters = parseSchedstat(this.text(this.schedFd));
      return state === null || counters === null ? null : { running: state === "R", ...counters };
    } catch {
      return null; // the thread exited between reads (ESRCH): no shortcut, the real read decides
    }
  }

  close(): void {
    if (this.statFd >= 0) closeSync(this.statFd);
    if (this.schedFd >= 0) closeSync(this.schedFd);
    this.statFd = this.schedFd = -1;
  }

  private text(fd: number): string {
    const n = readSync(fd, this.buf, 0, this.buf.length, 0);
    return this.buf.toString("latin1", 0, n);
  }
}

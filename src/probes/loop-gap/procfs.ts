// The few /proc reads LoopGapProbe makes to prune what the kernel cannot tell it.
import { existsSync, readFileSync } from "node:fs";

/** `pid` is a process (a thread group leader) that exists: its status says Tgid == pid. */
export function isLiveProcess(pid: number): boolean {
  try {
    return /^Tgid:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] === String(pid);
  } catch {
    return false; // gone (ENOENT/ESRCH)
  }
}

/** The thread's comm, or undefined when the thread no longer exists. */
export function threadName(pid: number, tid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trimEnd();
  } catch (e) {
    if (e instanceof Error && "code" in e && (e.code === "ENOENT" || e.code === "ESRCH")) return undefined;
    return existsSync(`/proc/${pid}/task/${tid}`) ? "" : undefined;
  }
}

// target: the process the user wants to watch — does it exist, can we read its memory, is it a
// Python we can walk, and which namespaces and container it lives in.
import { parseCgroup } from "./cgroup.js";
import { fail, ok, warn, type Check } from "./check.js";
import { isKernelThreadStat, nsInode, readLink, readText, statusField } from "./procfs.js";
import type { ReaderChecks } from "./target-memory.js";

export const PTRACE_HINT = "run as root, or grant CAP_SYS_PTRACE (and see the ptrace-scope check)";

export interface TargetResult {
  readonly checks: Check[];
  readonly missing: boolean; // no such process: exit code 3
}

/** The target's checks; `reader` reads its memory (undefined when the FFI could not load). */
export function targetChecks(pid: number, reader: ReaderChecks | undefined): TargetResult {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat.ok) return { checks: [fail("process", `no process ${pid}`, "check the PID (ps -ef); in a container, PIDs are the container's")], missing: true };
  const comm = readText(`/proc/${pid}/comm`);
  const name = comm.ok ? comm.text.trim() : "?";
  if (isKernelThreadStat(stat.text)) return { checks: [fail("process", `${pid} (${name}) is a kernel thread`, "give the PID of a user-space process")], missing: false };
  const exe = readLink(`/proc/${pid}/exe`);
  const describe = `${pid} ${name}, exe ${exe.ok ? exe.text : `unreadable (${exe.code})`}`;
  // /proc/TID exists for every thread, though unlisted: a thread id is not a process to attach to.
  const status = readText(`/proc/${pid}/status`);
  const tgid = status.ok ? Number(statusField(status.text, "Tgid")) : pid;
  const process =
    Number.isInteger(tgid) && tgid !== pid
      ? warn("process", `${describe}: a thread of process ${tgid}`, `watch process ${tgid}, with --tid ${pid} for this thread only`)
      : ok("process", describe);
  const memory = reader?.memory(pid) ?? warn("memory-access", "not checked: the FFI did not load", "see the ffi check");
  const python =
    reader === undefined ? warn("python", "not checked: the FFI did not load", "see the ffi check")
    : memory.status === "ok" ? reader.python(pid)
    : warn("python", "not checked: its memory is not readable", PTRACE_HINT);
  return { checks: [process, memory, python, namespaceCheck(pid), containerCheck(pid)], missing: false };
}

function namespaceCheck(pid: number): Check {
  const status = readText(`/proc/${pid}/status`);
  const nspid = status.ok ? statusField(status.text, "NSpid") : undefined;
  const chain = nspid?.split(/\s+/) ?? [];
  const parts: string[] = [];
  const pidNs = compareNs(pid, "pid");
  const mntNs = compareNs(pid, "mnt");
  parts.push(pidNs === "same" ? "same pid namespace" : pidNs === "other" ? `another pid namespace (NSpid ${chain.join(" → ")})` : `pid namespace unknown (${pidNs})`);
  parts.push(mntNs === "same" ? "same mount namespace" : mntNs === "other" ? "another mount namespace (files read through /proc/PID/root)" : `mount namespace unknown (${mntNs})`);
  const unknown = pidNs !== "same" && pidNs !== "other";
  return unknown ? warn("target-namespace", parts.join("; "), PTRACE_HINT) : ok("target-namespace", parts.join("; "));
}

function compareNs(pid: number, ns: "pid" | "mnt"): "same" | "other" | string {
  const a = nsInode("self", ns);
  const b = nsInode(pid, ns);
  if (typeof b === "string") return b;
  if (typeof a === "string") return a;
  return a === b ? "same" : "other";
}

function containerCheck(pid: number): Check {
  const r = readText(`/proc/${pid}/cgroup`);
  if (!r.ok) return ok("container", `cgroup unreadable (${r.code})`);
  const c = parseCgroup(r.text);
  if (c.containerId === undefined && c.podUid === undefined) return ok("container", `not in a recognised container (cgroup ${c.path})`);
  const parts: string[] = [];
  if (c.containerId !== undefined) parts.push(`container ${c.containerId} (${c.runtime ?? "unknown"})`);
  if (c.podUid !== undefined) parts.push(`pod UID ${c.podUid}`);
  return ok("container", parts.join(", "));
}

// target: the process the user wants to watch — does it exist, can we read its memory, is it a
// Python we can walk, and which namespaces and container it lives in.
import { isToolError } from "../errors.js";
import { parseMaps } from "../python/maps.js";
import { openMemory } from "../python/memory/open.js";
import type { ProcessMemory } from "../python/memory/types.js";
import { openPython } from "../python/open.js";
import { parseCgroup } from "./cgroup.js";
import { fail, ok, warn, type Check } from "./check.js";
import { isKernelThreadStat, nsInode, readLink, readText, statusField } from "./procfs.js";

const PTRACE_HINT = "run as root, or grant CAP_SYS_PTRACE (and see the ptrace-scope check)";

export interface TargetResult {
  readonly checks: Check[];
  readonly missing: boolean; // no such process: exit code 3
}

const why = (e: unknown): string => (isToolError(e) ? e.chain() : e instanceof Error ? e.message : String(e));

export function targetChecks(pid: number): TargetResult {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat.ok) return { checks: [fail("process", `no process ${pid}`, "check the PID (ps -ef); in a container, PIDs are the container's")], missing: true };
  const comm = readText(`/proc/${pid}/comm`);
  const name = comm.ok ? comm.text.trim() : "?";
  if (isKernelThreadStat(stat.text)) return { checks: [fail("process", `${pid} (${name}) is a kernel thread`, "give the PID of a user-space process")], missing: false };
  const exe = readLink(`/proc/${pid}/exe`);
  const process = ok("process", `${pid} ${name}, exe ${exe.ok ? exe.text : `unreadable (${exe.code})`}`);
  const memory = memoryCheck(pid);
  const python = memory.status === "ok" ? pythonCheck(pid) : warn("python", "not checked: its memory is not readable", PTRACE_HINT);
  return { checks: [process, memory, python, namespaceCheck(pid), containerCheck(pid)], missing: false };
}

/** Read a few bytes of its first mapping, the way the stack reader will (process_vm_readv). */
function memoryCheck(pid: number): Check {
  const maps = readText(`/proc/${pid}/maps`);
  if (!maps.ok) return fail("memory-access", `cannot read /proc/${pid}/maps (${maps.code})`, PTRACE_HINT);
  const first = parseMaps(maps.text).find((m) => m.perms.startsWith("r") && !m.path.startsWith("["));
  if (first === undefined) return warn("memory-access", "no readable mapping to test", "the process may be exiting");
  let mem: ProcessMemory | undefined;
  try {
    mem = openMemory(pid);
    mem.read(first.start, 16);
    return ok("memory-access", `read its memory at 0x${first.start.toString(16)}`);
  } catch (e) {
    const perm = isToolError(e) && e.kind === "permission";
    return fail("memory-access", why(e), perm ? PTRACE_HINT : "see the ptrace-scope check");
  } finally {
    mem?.close();
  }
}

function pythonCheck(pid: number): Check {
  try {
    const py = openPython(pid);
    const v = py.version;
    const where = py.image.path;
    py.close();
    return ok("python", `CPython ${v.major}.${v.minor}.${v.micro} (${where}): stacks supported`);
  } catch (e) {
    if (!isToolError(e)) return warn("python", why(e), "report this with the output of `blocksnoop dump PID`");
    switch (e.kind) {
      case "not-python":
        return warn("python", `${e.chain()}: blocks are detected, without Python stacks`, "for Python targets, give the PID of the interpreter process, not a wrapper");
      case "unsupported-python":
        return warn("python", `${e.chain()}: blocks are detected, without Python stacks`, "stacks need CPython 3.8–3.14 (not free-threaded)");
      case "permission":
        return fail("python", e.chain(), PTRACE_HINT);
      default:
        return warn("python", e.chain(), e.hint ?? "blocks are still detected; stacks may be missing");
    }
  }
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

// PID namespaces: which one the tool's /proc shows, and thread ids as seen from inside a
// target's namespace. No BPF here: usable by the sampler and the session as well.
import { readFileSync, readdirSync, readlinkSync, statSync } from "node:fs";

/**
 * A PID namespace as bpf_get_ns_current_pid_tgid (helper 120, linux 5.7) names it: nsfs device
 * and inode. `dev` is in the kernel's internal encoding (MKDEV: major << 20 | minor), which is
 * what the helper compares with nsfs's s_dev (linux 6.18 kernel/bpf/helpers.c → ns_match in
 * kernel/nsproxy.c) — not stat(2)'s st_dev; see kernelDev.
 */
export interface PidNamespace {
  readonly dev: bigint;
  readonly ino: bigint;
}

/** PROC_PID_INIT_INO (linux include/linux/proc_ns.h, fixed since 3.8): the initial PID namespace. */
export const INIT_PID_NS_INO = 4026531836n;

/**
 * stat(2)'s st_dev (glibc makedev encoding: minor bits 0–7 and 20–31, major bits 8–19 and 32–43)
 * → the kernel's dev_t (MKDEV, linux include/linux/kdev_t.h: major << 20 | minor). The two agree
 * only for major 0 and minor < 256 (nsfs's anonymous minor usually is, but not always: it is
 * taken at boot from the same pool as every other anonymous superblock). Hard-coding dev = 4 is
 * wrong (see shared/research/ebpf-loader.md §5).
 */
export function kernelDev(stDev: bigint): bigint {
  const major = ((stDev >> 8n) & 0xfffn) | ((stDev >> 32n) & ~0xfffn);
  const minor = (stDev & 0xffn) | ((stDev >> 12n) & ~0xffn);
  return ((major << 20n) | (minor & 0xfffffn)) & 0xffffffffn;
}

function nsOf(path: string): PidNamespace {
  const st = statSync(path, { bigint: true });
  return { dev: kernelDev(st.dev), ino: st.ino };
}

/**
 * The PID namespace the tool should filter and report in, or undefined for the initial one (then
 * bpf_get_current_pid_tgid's ids are already what /proc shows). "What /proc shows": usually the
 * tool's own namespace (`kubectl debug --target`, `unshare --pid --fork --mount-proc`); when
 * /proc is another namespace's mount (a host /proc bind-mounted into a container: /proc/self is
 * not our getpid()), the namespace of that /proc's pid 1.
 */
export function toolPidNamespace(): PidNamespace | undefined {
  let ns = nsOf("/proc/self/ns/pid");
  if (ns.ino !== INIT_PID_NS_INO && readlinkSync("/proc/self") !== String(process.pid)) ns = nsOf("/proc/1/ns/pid");
  return ns.ino === INIT_PID_NS_INO ? undefined : ns;
}

/** The ids of an `NSpid:` line of /proc/PID/status, outermost (this /proc's namespace) first; undefined without one. */
export function parseNsPid(status: string): number[] | undefined {
  const line = /^NSpid:\s*(.*)$/m.exec(status)?.[1];
  if (line === undefined) return undefined;
  const ids = line.trim().split(/\s+/).map(Number);
  return ids.length > 0 && ids.every((n) => Number.isInteger(n) && n > 0) ? ids : undefined;
}

/**
 * Thread ids of `pid` (as this /proc shows them, e.g. root-namespace ids) → the same threads'
 * ids in the innermost PID namespace they live in (what the target itself sees, e.g. in its
 * py-spy/threading.get_native_id()). From the NSpid lines of /proc/PID/task/TID/status (linux
 * 4.1); on older kernels, or for a thread that exits meanwhile, a thread maps to itself or is
 * left out. Threads that are not in a nested namespace map to themselves.
 */
export function nsTids(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out; // the process is gone
  }
  for (const name of tids) {
    const tid = Number(name);
    if (!Number.isInteger(tid)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8");
    } catch {
      continue; // the thread exited
    }
    const ids = parseNsPid(status);
    out.set(tid, ids === undefined ? tid : (ids[ids.length - 1] ?? tid));
  }
  return out;
}

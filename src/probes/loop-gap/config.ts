// What a loop-gap probe is asked to do, checked once at the edge.
import { ToolError } from "../../errors.js";
import type { PidNamespace } from "./nspid.js";

export interface LoopGapConfig {
  /** Target tgids, in `pidNamespace` when given, else as the kernel sees them (init pid namespace). */
  pids: readonly number[];
  /** Only this thread, when given. */
  tid?: number;
  /** Emit events for gaps ≥ this; null = no events (stats only). */
  thresholdNs: bigint | null;
  /** Keep the in-kernel histogram. */
  stats: boolean;
  /** Power of two, page multiple; default 256 KiB (1 MiB with companion bytes). */
  ringBufferBytes?: number;
  /**
   * Add a target's new child processes as targets, in the kernel (sched:sched_process_fork), so
   * nothing a worker does before user space notices it is missed. Default true. See targets().
   */
  followForks?: boolean;
  /**
   * Filter and report pids/tids in this PID namespace (bpf_get_ns_current_pid_tgid, linux 5.7)
   * instead of the initial one; tasks outside it are invisible. Default: toolPidNamespace(), the
   * namespace this process's /proc shows (nothing to translate in the initial namespace).
   * A (dev, ino) that does not name a namespace exactly makes every task invisible: no error.
   */
  pidNamespace?: PidNamespace;
  /** Keep per-thread Prometheus-style gap buckets in the kernel (threadStats()). Default false. */
  threadHistograms?: boolean;
  /**
   * Room for a companion probe in each thread's entry: this many bytes (a multiple of 8, at most
   * MAX_COMPANION_BYTES) after loop-gap's own fields, at COMPANION_OFFSET, zero when loop-gap
   * creates the entry and never written by loop-gap afterwards. Every event carries a copy taken
   * when its gap ended (GapEvent.companion): a companion that accounts a thread's run phase in
   * place needs no records, no ring buffer and no programs on the wait syscalls of its own.
   * See LoopGapProbe.companion. Default 0.
   */
  companionBytes?: number;
  /**
   * Watch the wait syscalls from raw_syscalls:sys_enter/sys_exit (one raw tracepoint program each,
   * dispatching on the syscall number) instead of their own syscalls:* tracepoints, and run a
   * companion's programs on every other syscall as tail calls (Companion.syscallTailCalls). Every
   * syscall of the system then runs a short program: worth it only when a companion traces
   * raw_syscalls anyway, which would otherwise add a second probe to each (raw-syscalls.ts).
   * Honoured in the initial PID namespace on x86_64/arm64 when the kernel takes the programs;
   * else the per-syscall tracepoints are used and LoopGapProbe.notes says why. Default false.
   */
  rawSyscalls?: boolean;
}

export const MAX_COMPANION_BYTES = 1024;

export const DEFAULT_RING_BYTES = 256 * 1024;
/** Default ring when events carry companion bytes. */
export const COMPANION_RING_BYTES = 1024 * 1024;

export function validateConfig(c: LoopGapConfig): void {
  for (const pid of c.pids) if (!Number.isInteger(pid) || pid <= 0) throw new ToolError("usage", `open loop-gap probe: bad pid ${pid}`);
  if (c.tid !== undefined && (!Number.isInteger(c.tid) || c.tid <= 0)) throw new ToolError("usage", `open loop-gap probe: bad tid ${c.tid}`);
  if (c.thresholdNs !== null && c.thresholdNs < 0n) throw new ToolError("usage", "open loop-gap probe: negative threshold");
  const ns = c.pidNamespace;
  if (ns !== undefined && (ns.dev < 0n || ns.dev > 0xffffffffn || ns.ino <= 0n)) {
    // the helper refuses a dev that is not a 32-bit dev_t (kernel/bpf/helpers.c: (u64)(dev_t)dev != dev)
    throw new ToolError("usage", `open loop-gap probe: bad pid namespace dev ${ns.dev} ino ${ns.ino} (dev is the kernel's MKDEV encoding, see nspid.ts kernelDev)`);
  }
  const cb = c.companionBytes ?? 0;
  if (!Number.isInteger(cb) || cb < 0 || cb % 8 !== 0 || cb > MAX_COMPANION_BYTES) {
    throw new ToolError("usage", `open loop-gap probe: companion bytes ${cb} (a multiple of 8, at most ${MAX_COMPANION_BYTES})`);
  }
  if (c.thresholdNs === null && !c.stats) throw new ToolError("usage", "open loop-gap probe: neither events (threshold) nor stats requested");
}

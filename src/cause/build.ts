// A kernel run record (plus kernel stack and GIL holder, when known) → the report's Cause.
import type { Cause, GilCause, SyscallCause } from "../report/model.js";
import type { RunRecord } from "../probes/run-cause/layout.js";
import { syscallName, type Arch } from "./syscalls.js";
import { summarize } from "./summary.js";

const ms = (ns: bigint): number => Number(ns) / 1e6;
/** Syscalls reported per block, by time. */
export const TOP_SYSCALLS = 5;

export function buildCause(r: RunRecord, arch: Arch, kernelStack: string[] | null, gil: GilCause | null): Cause {
  const syscalls: SyscallCause[] = r.slots
    .map((s) => ({ name: syscallName(s.nr, arch), count: s.count, ms: ms(s.ns) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, TOP_SYSCALLS);
  const longestOff = r.longestOffNs === 0n ? null : {
    ms: ms(r.longestOffNs),
    syscall: r.longestOffNr === null ? null : syscallName(r.longestOffNr, arch),
    kernelStack: kernelStack ?? [],
  };
  const c: Omit<Cause, "summary"> = { onCpuMs: ms(r.onNs), offCpuMs: ms(r.offNs), runQueueMs: ms(r.runqNs), syscalls, longestOff, gil };
  return { ...c, summary: summarize(c) };
}

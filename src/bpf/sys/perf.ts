// perf_event_open(2) and its ioctls.
import { encodeAttr, PerfEventAttr } from "./attr.js";
import { PERF_FLAG_FD_CLOEXEC, PERF_TYPE_TRACEPOINT } from "./numbers.js";
import { rawIoctl, rawPerfEventOpen } from "./libc.js";
import { syscallError } from "./errors.js";
import { syscalls } from "./bpf.js";

/**
 * Open a tracepoint perf event for all tasks on one CPU. One event is enough for a BPF program:
 * it is added to the tracepoint's prog array, which runs on every CPU and task
 * (perf_event_attach_bpf_prog, linux 6.18 kernel/trace/bpf_trace.c).
 */
export function perfEventOpenTracepoint(tracepointId: number, cpu = 0): number {
  const attr = encodeAttr(PerfEventAttr, { type: PERF_TYPE_TRACEPOINT, size: PerfEventAttr.size, config: tracepointId });
  const r = rawPerfEventOpen(syscalls().perfEventOpen, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
  if (r < 0) throw syscallError("perf_event_open", -r);
  return r;
}

export function ioctl(operation: string, fd: number, request: number, arg: number): void {
  const r = rawIoctl(syscalls().ioctl, fd, request, arg);
  if (r < 0) throw syscallError(operation, -r);
}

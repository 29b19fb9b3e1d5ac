// Raw tracepoints (BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_RAW_TRACEPOINT_OPEN; linux 4.17): the program
// gets the tracepoint's arguments (u64 args[]) directly, with no perf record built for it. For
// raw_syscalls:sys_enter/sys_exit, which fire on every syscall of the system, this is the
// difference between a cheap and a costly probe (perf_trace_sys_enter copies the six arguments
// into a per-CPU perf buffer before the program runs; linux 6.18 kernel/trace/trace_syscalls.c).
import { bpfCall, closeFd, encodeAttr, type Layout } from "./sys/index.js";
import { wrap } from "../errors.js";
import type { Program } from "./program.js";

/** enum bpf_prog_type BPF_PROG_TYPE_RAW_TRACEPOINT (include/uapi/linux/bpf.h). */
export const PROG_TYPE_RAW_TRACEPOINT = 17;
/** enum bpf_cmd BPF_RAW_TRACEPOINT_OPEN. */
export const BPF_RAW_TRACEPOINT_OPEN = 17;

/** bpf_attr.raw_tracepoint: { u64 name; u32 prog_fd; } (cookie at 16 is newer and unused). */
export const RawTracepointOpenAttr: Layout<"name" | "prog_fd"> = Object.freeze({
  name: "bpf_attr.raw_tracepoint",
  size: 16,
  fields: Object.freeze({ name: { offset: 0, size: 8 as const }, prog_fd: { offset: 8, size: 4 as const } }),
});

/**
 * ctx offsets of raw_syscalls' arguments: args[i] at 8 * i. sys_enter(struct pt_regs *regs, long
 * id); sys_exit(struct pt_regs *regs, long ret) — sys_exit has no id (linux 6.18
 * include/trace/events/syscalls.h).
 */
export const RAW_SYS_REGS = 0;
export const RAW_SYS_ENTER_ID = 8;
export const RAW_SYS_EXIT_RET = 8;

export class RawTracepointLink {
  #fd: number;
  readonly tracepoint: string;

  private constructor(fd: number, tracepoint: string) {
    this.#fd = fd;
    this.tracepoint = tracepoint;
  }

  /** Attach `program` (loaded as PROG_TYPE_RAW_TRACEPOINT) to the raw tracepoint `name` ("sys_enter"). */
  static attach(program: Program, name: string): RawTracepointLink {
    const cname = Buffer.from(`${name}\0`, "utf8"); // referenced by address: kept alive until the call returns
    const attr = encodeAttr(RawTracepointOpenAttr, { name: cname, prog_fd: program.fd });
    try {
      const fd = bpfCall(`bpf raw tracepoint open ${name}`, BPF_RAW_TRACEPOINT_OPEN, RawTracepointOpenAttr, attr);
      void cname.length;
      return new RawTracepointLink(fd, name);
    } catch (e) {
      throw wrap(`attach raw tracepoint ${name}`, e);
    }
  }

  /** Idempotent. */
  close(): void {
    if (this.#fd < 0) return;
    closeFd(this.#fd);
    this.#fd = -1;
  }
}

// The wait syscalls of an event loop, and which of them this kernel can trace.
import { readTracepoint } from "../../bpf/tracefs.js";
import { ToolError } from "../../errors.js";

export { WAIT_SYSCALLS, type WaitSyscall } from "./wait-syscalls.js";
import type { WaitSyscall } from "./wait-syscalls.js";
import { WAIT_SYSCALLS } from "./wait-syscalls.js";

export type WaitKind =
  | { readonly family: "epoll" }
  /** Offset/size of the fd-count field in the tracepoint context, from tracefs `format`; which argument it is. */
  | { readonly family: "fdset"; readonly countOffset: number; readonly countSize: 4 | 8; readonly countArg: number };

export interface TraceableWait {
  readonly name: WaitSyscall;
  readonly kind: WaitKind;
}

/** Wait syscalls with both sys_enter_ and sys_exit_ tracepoints on this kernel. */
export function traceableWaitSyscalls(): TraceableWait[] {
  const out: TraceableWait[] = [];
  for (const s of WAIT_SYSCALLS) {
    const enter = readTracepoint("syscalls", `sys_enter_${s.name}`);
    if (enter === undefined || readTracepoint("syscalls", `sys_exit_${s.name}`) === undefined) continue;
    if (s.family === "epoll") {
      out.push({ name: s.name, kind: { family: "epoll" } });
      continue;
    }
    // Syscall args are 8 bytes each at 16 + 8*i (linux 6.18 trace_syscalls.c, syscall_tp_t),
    // but the offset is still read from the format file.
    const field = enter.fields.find((f) => f.name === s.count);
    if (field === undefined || (field.size !== 4 && field.size !== 8)) {
      throw new ToolError("not-supported", `read sys_enter_${s.name} format: no usable "${s.count}" field`);
    }
    out.push({ name: s.name, kind: { family: "fdset", countOffset: field.offset, countSize: field.size, countArg: s.countArg } });
  }
  return out;
}

/** A stable key per distinct program needed (one epoll program; one per fd-count field layout). */
export function kindKey(k: WaitKind): string {
  return k.family === "epoll" ? "epoll" : `fdset_${k.countOffset}_${k.countSize}`;
}

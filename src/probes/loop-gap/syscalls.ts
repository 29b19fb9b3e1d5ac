// The wait syscalls of an event loop, and which of them this kernel can trace.
import { readTracepoint } from "../../bpf/tracefs.js";
import { ToolError } from "../../errors.js";

/**
 * CPython/glibc x86_64 uses epoll_wait; uvloop, libuv/Node, musl and arm64 use epoll_pwait;
 * selector loops use poll/ppoll/select/pselect6. arm64 has no epoll_wait, poll or select at all
 * (asm-generic/unistd.h), so presence is read from tracefs, never assumed.
 *
 * poll/select family waits are also how code *inside* a callback sleeps or waits for one socket
 * (CPython < 3.11 time.sleep is select(0, NULL, NULL, NULL, &tv); a socket timeout is poll()), so
 * for them the program needs the fd-count argument (`count`) to tell a sleep from a loop wait.
 */
export const WAIT_SYSCALLS = [
  { name: "epoll_wait", family: "epoll" },
  { name: "epoll_pwait", family: "epoll" },
  { name: "epoll_pwait2", family: "epoll" },
  { name: "poll", family: "fdset", count: "nfds" },
  { name: "ppoll", family: "fdset", count: "nfds" },
  { name: "select", family: "fdset", count: "n" },
  { name: "pselect6", family: "fdset", count: "n" },
] as const;
export type WaitSyscall = (typeof WAIT_SYSCALLS)[number]["name"];

export type WaitKind =
  | { readonly family: "epoll" }
  /** Offset/size of the fd-count field in the tracepoint context, from tracefs `format`. */
  | { readonly family: "fdset"; readonly countOffset: number; readonly countSize: 4 | 8 };

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
    out.push({ name: s.name, kind: { family: "fdset", countOffset: field.offset, countSize: field.size } });
  }
  return out;
}

/** A stable key per distinct program needed (one epoll program; one per fd-count field layout). */
export function kindKey(k: WaitKind): string {
  return k.family === "epoll" ? "epoll" : `fdset_${k.countOffset}_${k.countSize}`;
}

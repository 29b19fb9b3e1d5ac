// attach: whether a program really attaches to a wait-syscall tracepoint (perf_event_open needs
// CAP_PERFMON; the attach goes through a BPF link on 5.15+, the perf ioctl before).
import { TracepointLink, type Program } from "../bpf/index.js";
import { isToolError } from "../errors.js";
import { loadTrivialProgram } from "./bpf.js";
import { fail, ok, warn, type Check } from "./check.js";
import { presentWaitSyscalls } from "./tracefs.js";

/** Attach a trivial program to the first wait tracepoint and detach it at once. */
export function attachCheck(root: string | undefined, bpfUsable: boolean): Check {
  if (root === undefined || !bpfUsable) return warn("tracepoint-attach", "not checked: needs working bpf() and tracefs", "fix the checks above first");
  const first = presentWaitSyscalls(root)[0];
  if (first === undefined) return warn("tracepoint-attach", "not checked: no wait-syscall tracepoint", "see the wait-tracepoints check");
  let prog: Program | undefined;
  try {
    prog = loadTrivialProgram("doctor_attach");
    const link = TracepointLink.attach(prog, "syscalls", `sys_enter_${first}`);
    if (link === undefined) return fail("tracepoint-attach", `syscalls/sys_enter_${first} vanished`, "see the tracefs check");
    link.close();
    return ok("tracepoint-attach", `attached a program to syscalls/sys_enter_${first} (via ${link.via === "link" ? "a BPF link" : "perf ioctl"}) and detached it`);
  } catch (e) {
    const perm = isToolError(e) && e.kind === "permission";
    return fail("tracepoint-attach", isToolError(e) ? e.chain() : String(e), perm ? "grant CAP_PERFMON (or run as root)" : "see the bpf checks");
  } finally {
    prog?.close();
  }
}

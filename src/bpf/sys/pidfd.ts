// pidfd_open(2) (linux 5.3): a file descriptor that refers to a process and becomes readable
// (EPOLLIN) when it exits (pidfd_poll, linux 6.18 kernel/pid.c / fs/pidfs.c). Used to notice an
// attached target's exit without polling /proc.
import { ToolError } from "../../errors.js";
import { rawPidfdOpen } from "./libc.js";
import { EINVAL, ENOENT, errnoName, syscallError } from "./errors.js";
import { syscalls } from "./bpf.js";
import { constants } from "node:os";

const ESRCH = constants.errno.ESRCH;
const ENOSYS = constants.errno.ENOSYS;

/**
 * A pidfd for `pid` (a process in this process's PID namespace; flags 0). The fd is CLOEXEC
 * (always, for pidfd_open) and owned by the caller: close it with closeFd.
 * Throws ToolError: "not-found" (ESRCH: no such process; ENOENT: the id is a thread, not a
 * process — what linux 6.18 answers, observed), "usage" (EINVAL: a bad pid or flags; older
 * kernels' answer for a thread id), "not-supported" (ENOSYS: linux < 5.3), "permission", or "io".
 */
export function pidfdOpen(pid: number): number {
  if (!Number.isInteger(pid) || pid <= 0) throw new ToolError("usage", `pidfd_open ${pid}: not a pid`);
  const r = rawPidfdOpen(syscalls().pidfdOpen, pid, 0);
  if (r >= 0) return r;
  const errno = -r;
  if (errno === ENOSYS) throw new ToolError("not-supported", `pidfd_open ${pid}: ${errnoName(errno)}`, { errno, hint: "needs linux ≥ 5.3" });
  const kind = errno === ESRCH || errno === ENOENT ? "not-found" : errno === EINVAL ? "usage" : undefined;
  throw syscallError(`pidfd_open ${pid}`, errno, kind);
}

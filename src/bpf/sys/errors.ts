// Turning a failed syscall into a ToolError that keeps errno and names the operation.
import { constants } from "node:os";
import { ToolError, type ErrorKind } from "../../errors.js";

const NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!NAMES.has(value)) NAMES.set(value, name);
}
NAMES.set(524, "ENOTSUPP"); // kernel-internal errno that bpf(2) leaks to user space

export const EPERM = constants.errno.EPERM;
export const ENOENT = constants.errno.ENOENT;
export const EINTR = constants.errno.EINTR;
export const EAGAIN = constants.errno.EAGAIN;
export const EACCES = constants.errno.EACCES;
export const EINVAL = constants.errno.EINVAL;
export const ENOSPC = constants.errno.ENOSPC;
export const EBADF = constants.errno.EBADF;

export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `errno ${errno}`;
}

export const PERMISSION_HINT = "run as root or grant CAP_BPF and CAP_PERFMON";

/** `new ToolError(...)` for a failed syscall: EPERM/EACCES become kind "permission". */
export function syscallError(operation: string, errno: number, kind?: ErrorKind): ToolError {
  const permission = errno === EPERM || errno === EACCES;
  const k: ErrorKind = kind ?? (permission ? "permission" : "io");
  const options = permission ? { errno, hint: PERMISSION_HINT } : { errno };
  return new ToolError(k, `${operation}: ${errnoName(errno)}`, options);
}

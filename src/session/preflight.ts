// preflight: what can be checked before loading the FFI or touching the kernel, so that a user
// without privileges or with a wrong PID gets one clear line, fast.
import type { WatchOptions } from "../cli/options.js";
import { ToolError } from "../errors.js";
import { checkBpfPrivileges } from "./privileges.js";
import { checkTarget, hasThread } from "./target.js";

export function preflight(o: WatchOptions): void {
  checkBpfPrivileges();
  for (const pid of o.pids) checkTarget(pid);
  const firstPid = o.pids[0];
  if (o.tid !== undefined && firstPid !== undefined && !hasThread(firstPid, o.tid)) {
    throw new ToolError("usage", `--tid ${o.tid} is not a thread of process ${firstPid}`);
  }
}

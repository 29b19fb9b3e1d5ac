// Python thread names. 3.14 names OS threads itself (/proc/PID/task/TID/comm); before that the
// name lives in threading._active[ident]._name, an instance attribute whose storage differs per
// version. Best effort: null where it cannot be read.
import { readFileSync } from "node:fs";
import type { PythonLayout } from "./layout/types.js";
import type { ObjectReader } from "./objects.js";
import type { ThreadRef } from "./threads.js";

export class ThreadNames {
  private readonly layout: PythonLayout;
  constructor(_objs: ObjectReader, layout: PythonLayout) {
    this.layout = layout;
  }

  /** tstate address → name, for the threads that have one. */
  read(refs: ThreadRef[], pid: number): Map<bigint, string> {
    const out = new Map<bigint, string>();
    if (this.layout.version.minor >= 14) {
      // 3.14: threading.Thread.start sets the OS thread name (gh-59705), truncated to 15 bytes
      for (const r of refs) {
        if (r.tid === pid) continue;
        try {
          out.set(r.tstate, readFileSync(`/proc/${pid}/task/${r.tid}/comm`, "utf8").trim());
        } catch {
          // thread exited
        }
      }
    }
    return out;
  }
}

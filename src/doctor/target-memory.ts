// target-memory: reading the target the way the stack reader will — process_vm_readv through the
// python reader, then openPython, which proves the version, the layout and one thread walk.
// Loaded on demand: it pulls in the FFI (koffi).
import { isToolError } from "../errors.js";
import { parseMaps } from "../python/maps.js";
import { openMemory } from "../python/memory/open.js";
import type { ProcessMemory } from "../python/memory/types.js";
import { openPython } from "../python/open.js";
import { fail, ok, warn, type Check } from "./check.js";
import { readText } from "./procfs.js";
import { PTRACE_HINT } from "./target.js";

export interface ReaderChecks {
  memory(pid: number): Check;
  python(pid: number): Check;
}

const why = (e: unknown): string => (isToolError(e) ? e.chain() : e instanceof Error ? e.message : String(e));

/** Read a few bytes of its first mapping, the way the stack reader will (process_vm_readv). */
export function memoryCheck(pid: number): Check {
  const maps = readText(`/proc/${pid}/maps`);
  if (!maps.ok) return fail("memory-access", `cannot read /proc/${pid}/maps (${maps.code})`, PTRACE_HINT);
  const first = parseMaps(maps.text).find((m) => m.perms.startsWith("r") && !m.path.startsWith("["));
  if (first === undefined) return warn("memory-access", "no readable mapping to test", "the process may be exiting");
  let mem: ProcessMemory | undefined;
  try {
    mem = openMemory(pid);
    mem.read(first.start, 16);
    return ok("memory-access", `read its memory at 0x${first.start.toString(16)}`);
  } catch (e) {
    const perm = isToolError(e) && e.kind === "permission";
    return fail("memory-access", why(e), perm ? PTRACE_HINT : "see the ptrace-scope check");
  } finally {
    mem?.close();
  }
}

export function pythonCheck(pid: number): Check {
  try {
    const py = openPython(pid); // proves the version, the layout and one walk of the thread list
    try {
      const v = py.version;
      return ok("python", `CPython ${v.major}.${v.minor}.${v.micro} (${py.image.path}): stacks supported`);
    } finally {
      py.close();
    }
  } catch (e) {
    if (!isToolError(e)) return warn("python", why(e), "report this with the output of `blocksnoop dump PID`");
    switch (e.kind) {
      case "not-python":
        return warn("python", `${e.chain()}: blocks are detected, without Python stacks`, notPythonHint(pid));
      case "unsupported-python":
        return warn("python", `${e.chain()}: blocks are detected, without Python stacks`, "stacks need CPython 3.8–3.14 (not free-threaded)");
      case "permission":
        return fail("python", e.chain(), PTRACE_HINT);
      default:
        return warn("python", e.chain(), e.hint ?? "blocks are still detected; stacks may be missing");
    }
  }
}

/**
 * A process that maps a python binary or libpython but has no _PyRuntime is an old CPython
 * (_PyRuntime appeared in 3.7); anything else is another program, or a wrapper around Python.
 */
export function notPythonHint(pid: number, maps = readText(`/proc/${pid}/maps`)): string {
  const paths = maps.ok ? parseMaps(maps.text).map((m) => m.path) : [];
  if (paths.some((p) => /\/(lib)?python[\d.]*m?(\.so[\d.]*)?$/.test(p))) return "this looks like CPython older than 3.7: stacks need CPython 3.8–3.14";
  return "for Python targets, give the PID of the interpreter process, not of a wrapper (sh -c, uv run, a supervisor)";
}

export const readerChecks: ReaderChecks = { memory: memoryCheck, python: pythonCheck };

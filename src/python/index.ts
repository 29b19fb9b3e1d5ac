// python/: read CPython 3.8–3.14 state out of another live process without stopping it.
// Knows nothing about blocksnoop. Synchronous throughout, so it runs inside a worker_thread.
export type { Frame, FrameWithLocals, LocalVar, PythonProcess, PythonVersion, TaskInfo, ThreadSample } from "./types.js";
import type { PythonProcess } from "./types.js";
import { openPython as open } from "./open.js";

/** Attach to a CPython process. Throws ToolError: not-python, unsupported-python, permission, not-found. */
export function openPython(pid: number): PythonProcess {
  return open(pid);
}

export type { ProcessMemory, ReadRequest } from "./memory/types.js";
export { TornRead } from "./memory/types.js";
export { SnapshotMemory, RecordingMemory } from "./memory/snapshot.js";
export type { PythonLayout } from "./layout/types.js";

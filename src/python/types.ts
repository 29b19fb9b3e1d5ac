// Public shapes of the python/ reader (re-exported by index.ts).
export type { PythonVersion } from "./layout/types.js";
import type { PythonVersion } from "./layout/types.js";

export interface Frame {
  function: string; // co_qualname on 3.11+, co_name before
  file: string;
  line: number | null;
}

export interface LocalVar {
  name: string;
  value: string; // repr of a simple value (int, float, bool, None, short str/bytes), else "<type>"
}

/** A frame with its local variables (dump --locals). */
export interface FrameWithLocals extends Frame {
  locals: LocalVar[];
}

export interface TaskInfo {
  name: string;
  coroutines: string[]; // coroutine qualnames, outermost (the task's own coroutine) → innermost
}

export interface ThreadSample {
  tid: number; // native (kernel) thread id as seen in the target's pid namespace
  name: string | null;
  holdsGil: boolean;
  loop: boolean; // this thread is running an asyncio loop
  task: TaskInfo | null; // the loop's currently running task, if any
  frames: Frame[]; // innermost first; Frame objects are frozen and shared between samples
  status: "ok" | "torn";
  error?: string;
}

export interface PythonProcess {
  readonly pid: number;
  readonly version: PythonVersion;
  threads(): ThreadSample[];
  /** Fast path for one thread (cached thread state); `asyncio: true` adds loop/task. */
  sampleThread(tid: number, opts?: { asyncio?: boolean }): ThreadSample | null;
  gilHolderTid(): number | null;
  sourceLine(file: string, line: number): string | null;
  /** Frames of one thread with locals (slower; dump --locals). Innermost first. */
  framesWithLocals(tid: number): FrameWithLocals[] | null;
  close(): void;
}

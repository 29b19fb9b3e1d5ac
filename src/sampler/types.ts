// types: what the sampler produces. A sample is one read of one loop thread's Python stack,
// stamped with its CLOCK_MONOTONIC capture time. These values cross the worker boundary by
// structured clone, so they are plain data (bigint included).
import type { TaskReport } from "../report/model.js";

/** One Python frame as read from the target. */
export interface SampleFrame {
  function: string;
  file: string;
  line: number | null;
}

export interface StackSample {
  pid: number;
  tid: number;
  /**
   * CLOCK_MONOTONIC ns: the midpoint of the read (hrtime before and after `sampleThread`).
   * The sampler keeps a sample only if the kernel reported the same run phase before and after
   * the read, so the whole read — and therefore this midpoint — lies inside that run phase.
   */
  captureNs: bigint;
  /** Start of the run phase (kernel `since[tid]`) the sample was taken in. */
  phaseStartNs: bigint;
  /**
   * The sampling period in force when it was taken. Constant (the sample interval) except in very
   * long blocks, where the sampler backs off to keep memory flat; weights sum periods, so a
   * back-off does not tilt a long block's weights toward its start.
   */
  periodNs: bigint;
  /** "torn": the reader could not get a consistent stack; counted, never weighted. */
  status: "ok" | "torn";
  frames: SampleFrame[]; // innermost first
  task: TaskReport | null;
  /** The Python thread name (threading), read once per run phase with the task. */
  threadName: string | null;
}

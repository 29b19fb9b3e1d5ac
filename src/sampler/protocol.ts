// protocol: the messages between the sampler worker and the main thread. Control flows through
// shared memory (the worker sleeps in Atomics.wait, so it is woken, not messaged) plus a
// MessagePort it polls synchronously; results flow back by postMessage (bigint clones fine).
import type { MessagePort } from "node:worker_threads";
import type { TaskReport } from "../report/model.js";
import type { ScheduleConfig } from "./schedule.js";
import type { SampleFrame } from "./types.js";

/** Int32 slots of the control SharedArrayBuffer. */
export const CTL = { wake: 0, stop: 1, flush: 2, slots: 3 } as const;

export interface WorkerInit {
  control: SharedArrayBuffer;
  port: MessagePort;
  mapFd: number;
  pids: number[];
  tid: number | null; // only this thread, when the user narrowed to one
  schedule: ScheduleConfig;
  flushNs: bigint; // longest a sample waits in the worker before it is posted
  heartbeatNs: bigint; // longest the high-water mark waits to be posted while idle
  nice: number | null; // the worker thread's niceness (null: inherit)
}

export type ToWorker = { kind: "add-pid"; pid: number };

/** A sample on the wire: its stack is an index into the batch's table (−1: torn / none). */
export interface WireSample {
  pid: number;
  tid: number;
  captureNs: bigint;
  phaseStartNs: bigint;
  periodNs: bigint;
  stack: number;
  task: TaskReport | null;
  threadName: string | null;
}

export interface SamplerCounters {
  lookups: number; // run-phase map lookups
  reads: number; // stack reads attempted
  readNs: bigint; // total time inside stack reads
  readMaxNs: bigint; // the longest one
  kept: number; // samples posted
  torn: number; // reads marked torn (posted, counted, never weighted)
  reused: number; // samples of a thread that had not run since its last read: that stack again
  straddled: number; // reads discarded: the run phase ended while reading
  missing: number; // the thread had no Python thread state
  errors: number; // reads that threw
  wakes: number; // sleeps that ran to their timeout
  wakeLateNs: bigint; // total time those wake-ups came after their due time (scheduler latency)
  wakeLateMaxNs: bigint;
}

export type FromWorker =
  | { kind: "ready"; tid: number | null; nice: string }
  | { kind: "batch"; stacks: SampleFrame[][]; samples: WireSample[]; highWaterNs: bigint; counters: SamplerCounters }
  | { kind: "unavailable"; pid: number; reason: string }
  | { kind: "failed"; reason: string } // the sampler itself stopped: no stacks for anyone
  | { kind: "closed" };

export function zeroCounters(): SamplerCounters {
  return { lookups: 0, reads: 0, readNs: 0n, readMaxNs: 0n, kept: 0, torn: 0, reused: 0, straddled: 0, missing: 0, errors: 0, wakes: 0, wakeLateNs: 0n, wakeLateMaxNs: 0n };
}

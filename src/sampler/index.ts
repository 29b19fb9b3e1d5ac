// sampler: the main-thread side of the stack sampler worker. It starts the worker, turns its
// batches into StackSamples for the correlator, and relays "stacks unavailable" once per process.
// Clean shutdown: stop flag + wake, wait for the worker to close its readers, then let it exit.
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { ToolError } from "../errors.js";
import { CTL, zeroCounters, type FromWorker, type SamplerCounters, type ToWorker, type WorkerInit } from "./protocol.js";
import type { ScheduleConfig } from "./schedule.js";
import type { StackSample } from "./types.js";

export { findMapFd, retainMap, RunPhaseReader, RUN_PHASE_MAP, type LoopThread } from "./run-phase.js";
export { decide, idleSchedule, periodFor, sampled, scheduleFor, type Decision, type ScheduleConfig, type ScheduleOptions, type ThreadSchedule } from "./schedule.js";
export type { SamplerCounters } from "./protocol.js";
export type { SampleFrame, StackSample } from "./types.js";

export interface SamplerOptions {
  /** fd of the loop-gap probe's threads map (see findMapFd, retainMap); borrowed: keep it open until close() resolves. */
  mapFd: number;
  pids: readonly number[];
  tid?: number | null;
  schedule: ScheduleConfig;
  /** Longest a sample waits in the worker before it is posted (default 5 ms). */
  flushNs?: bigint;
  /** Longest the idle worker waits before re-posting its high-water mark (default 250 ms; a waiting block asks for it at once). */
  heartbeatNs?: bigint;
  /** Niceness of the worker thread (default −10: on time under load; null: inherit). */
  nice?: number | null;
}

export interface SamplerHandlers {
  /** Samples in capture order per thread; every later sample has captureNs ≥ highWaterNs. */
  onSamples(samples: StackSample[], highWaterNs: bigint): void;
  /** Stacks cannot be read for `pid` ("all": the sampler itself failed). Called once per pid. */
  onUnavailable(pid: number | "all", reason: string): void;
}

const CLOSE_TIMEOUT_MS = 2000;

/**
 * The worker's V8 heap. It holds ~7 MiB (mostly code), and what it allocates per sample (stack
 * reads, frames, BigInt times) dies within a batch. V8's default young generation is sized for
 * throughput: its semi-spaces grow from 1 up to 16 MiB each as scavenges accumulate survivors, and
 * they had, within two minutes of sampling a block a second (16 MiB committed, 28 MiB for the
 * whole heap). 1 MiB semi-spaces (young generation = 3 × semi-space): a scavenge per ~1 MiB
 * allocated, ~0.5 ms each. The old generation keeps V8's default limit: discovery mode may hold
 * the readers of many processes.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 3 } as const;

export class Sampler {
  private readonly ctl: Int32Array;
  private last: SamplerCounters = zeroCounters();
  /** The worker thread's tid and niceness, once it runs (diagnostics). */
  thread: { tid: number | null; nice: string } = { tid: null, nice: "inherited" };
  private readonly exited: Promise<void>;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    control: SharedArrayBuffer,
  ) {
    this.ctl = new Int32Array(control);
    this.exited = new Promise((resolve) => worker.once("exit", () => resolve()));
  }

  /** Starts the worker; resolves once it runs (or has reported why it cannot). */
  static start(o: SamplerOptions, h: SamplerHandlers): Promise<Sampler> {
    const control = new SharedArrayBuffer(CTL.slots * Int32Array.BYTES_PER_ELEMENT);
    const { port1, port2 } = new MessageChannel();
    const init: WorkerInit = {
      control,
      port: port2,
      mapFd: o.mapFd,
      pids: [...o.pids],
      tid: o.tid ?? null,
      schedule: o.schedule,
      flushNs: o.flushNs ?? 5_000_000n,
      heartbeatNs: o.heartbeatNs ?? 250_000_000n,
      nice: o.nice === undefined ? -10 : o.nice,
    };
    let worker: Worker;
    try {
      worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: init, transferList: [port2], resourceLimits: WORKER_LIMITS });
    } catch (e) {
      port1.close();
      throw new ToolError("internal", "start the stack sampler worker", { cause: e });
    }
    worker.unref(); // never the reason the tool stays alive; close() still joins it
    const s = new Sampler(worker, port1, control);
    return new Promise<Sampler>((resolve) => {
      let started = false;
      const begin = () => {
        if (!started) {
          started = true;
          resolve(s);
        }
      };
      const failed = new Set<number | "all">();
      const unavailable = (pid: number | "all", reason: string) => {
        if (failed.has(pid)) return;
        failed.add(pid);
        h.onUnavailable(pid, reason);
      };
      worker.on("message", (m: FromWorker) => {
        switch (m.kind) {
          case "ready":
            s.thread = { tid: m.tid, nice: m.nice };
            begin();
            break;
          case "batch":
            s.last = m.counters;
            h.onSamples(decode(m), m.highWaterNs);
            break;
          case "unavailable":
            unavailable(m.pid, m.reason);
            break;
          case "failed":
            unavailable("all", `the stack sampler stopped: ${m.reason}`);
            begin();
            break;
          case "closed":
            break;
        }
      });
      worker.on("error", (e) => {
        unavailable("all", `the stack sampler crashed: ${e.message}`);
        begin();
      });
      worker.once("exit", () => {
        if (s.closing === undefined) unavailable("all", "the stack sampler exited");
        begin();
      });
    });
  }

  addPid(pid: number): void {
    const m: ToWorker = { kind: "add-pid", pid };
    this.port.postMessage(m);
    this.wake();
  }

  /** Ask the worker to post what it has now (a block event is waiting for its samples). */
  flush(): void {
    Atomics.store(this.ctl, CTL.flush, 1);
    this.wake();
  }

  /** The worker's cumulative counters, as of its last batch. */
  get counters(): SamplerCounters {
    return this.last;
  }

  /** Stops sampling, closes the worker's readers, and joins it. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      Atomics.store(this.ctl, CTL.stop, 1);
      this.wake();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), CLOSE_TIMEOUT_MS);
      });
      // A read stuck in the target (it should not be) must not hang the tool's exit.
      if (await Promise.race([this.exited.then(() => false), timedOut])) await this.worker.terminate();
      clearTimeout(timer);
      this.port.close();
    })();
    return this.closing;
  }

  private wake(): void {
    Atomics.add(this.ctl, CTL.wake, 1);
    Atomics.notify(this.ctl, CTL.wake);
  }
}

function decode(m: Extract<FromWorker, { kind: "batch" }>): StackSample[] {
  return m.samples.map((w) => {
    const frames = w.stack >= 0 ? m.stacks[w.stack] : undefined;
    return {
      pid: w.pid,
      tid: w.tid,
      captureNs: w.captureNs,
      phaseStartNs: w.phaseStartNs,
      periodNs: w.periodNs,
      status: frames === undefined ? "torn" : "ok",
      frames: frames ?? [],
      task: w.task,
      threadName: w.threadName,
    };
  });
}

// worker: the sampler's thread. Stack reads are synchronous FFI/syscalls; here they never stall
// the tool's main loop. Each tick: look up every loop thread's run-phase start in the kernel map;
// read the stack of those whose phase is older than the gate; post samples in batches with the
// high-water mark; sleep in Atomics.wait until the next thing is due (or the main thread wakes us).
import { readFileSync, readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import type { TaskReport } from "../report/model.js";
import { idleSince, ThreadActivity, type Activity } from "./activity.js";
import { Batch, copyTask } from "./batch.js";
import { parseNsPid } from "./ns.js";
import { CTL, zeroCounters, type FromWorker, type ToWorker, type WorkerInit } from "./protocol.js";
import { RunPhaseReader } from "./run-phase.js";
import { decide, idleSchedule, sampled, type ThreadSchedule } from "./schedule.js";
import { describe, Targets, type Target } from "./targets.js";
import type { SampleFrame } from "./types.js";

const MAX_CONSECUTIVE_ERRORS = 50; // then the process is treated as unreadable
// A loop thread with no Python thread state (a C library's own loop) is not re-read at every
// interval: after MISSING_LIMIT empty reads it is looked at again only every MISSING_RETRY_NS.
const MISSING_LIMIT = 3;
const MISSING_RETRY_NS = 1_000_000_000n;

interface Tracked {
  pid: number;
  tid: number; // as the kernel (and the block events) see it
  nsTid: number; // as the target's pid namespace sees it: what CPython records
  sched: ThreadSchedule;
  dueNs: bigint; // next look between map walks
  activity: ThreadActivity | null;
  missing: number; // consecutive reads that found no Python thread state
  skipUntilNs: bigint; // not a Python thread (as far as we know) until then
  /** The last good stack and the thread's counters just before it was read. */
  last: { act: Activity; frames: SampleFrame[]; task: TaskReport | null } | null;
  /** Task and thread name, read with the stack at a phase's first read and every ASYNCIO_EVERY-th. */
  info: { phase: bigint; reads: number; task: TaskReport | null; name: string | null } | null;
}

/** The asyncio task and thread name cost extra reads (dicts, task object): not on every sample. */
const ASYNCIO_EVERY = 16;

const now = (): bigint => process.hrtime.bigint();

/** Gone, or a zombie (state Z/X in /proc/PID/stat: exited, not reaped yet). */
function hasExited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.charAt(stat.lastIndexOf(")") + 2);
    return state === "Z" || state === "X";
  } catch {
    return true;
  }
}

function post(m: FromWorker): void {
  parentPort?.postMessage(m);
}

class SamplerLoop {
  private readonly ctl: Int32Array;
  private readonly reader: RunPhaseReader;
  private readonly targets = new Targets((pid, reason) => {
    this.dropThreadsOf(pid);
    post({ kind: "unavailable", pid, reason });
  });
  private readonly threads = new Map<number, Tracked>(); // by tid
  private readonly counters = zeroCounters();
  private readonly batch = new Batch();
  private nextWalkNs = 0n;
  private lastPostNs = 0n;

  constructor(private readonly init: WorkerInit) {
    this.ctl = new Int32Array(init.control);
    this.reader = new RunPhaseReader(init.mapFd);
    for (const pid of init.pids) this.targets.add(pid, now());
  }

  run(): void {
    const tid = ownTid();
    post({ kind: "ready", tid, nice: this.renice(tid) });
    while (Atomics.load(this.ctl, CTL.stop) === 0) {
      const seq = Atomics.load(this.ctl, CTL.wake);
      this.drainMessages();
      const wakeNs = this.tick();
      const sleepNs = wakeNs - now();
      if (sleepNs > 0n && Atomics.wait(this.ctl, CTL.wake, seq, Number(sleepNs) / 1e6) === "timed-out") {
        const late = now() - wakeNs;
        this.counters.wakes++;
        this.counters.wakeLateNs += late;
        if (late > this.counters.wakeLateMaxNs) this.counters.wakeLateMaxNs = late;
      }
    }
    this.post(now());
    for (const tid of [...this.threads.keys()]) this.dropThread(tid);
    this.targets.closeAll();
    this.init.port.close();
    post({ kind: "closed" });
  }

  private drainMessages(): void {
    for (let m = receiveMessageOnPort(this.init.port); m !== undefined; m = receiveMessageOnPort(this.init.port)) {
      const msg = m.message as ToWorker; // posted only by Sampler (index.ts) on this private port
      switch (msg.kind) {
        case "add-pid":
          this.targets.add(msg.pid, now());
          break;
      }
    }
  }

  /**
   * One pass; returns when the next is due. Every tick (gate/2, ≥ 1 ms) walks the kernel map,
   * which both discovers new loop threads at once and reads every run phase; between walks only
   * the threads that are due (being sampled, or crossing the gate) are looked up.
   */
  private tick(): bigint {
    const t = now();
    let phaseEnded = false;
    const look = (th: Tracked, phase: bigint | undefined) => {
      const st = this.targets.get(th.pid);
      if (st?.kind !== "open") {
        this.dropThread(th.tid); // its process became unreadable or exited
        return;
      }
      if (phase !== th.sched.phaseStartNs) {
        if (th.sched.samplesInPhase > 0) phaseEnded = true; // its block's event is on its way: flush
        th.last = null;
      }
      const d = decide(th.sched, phase, now(), this.init.schedule);
      if (d.kind === "wait") th.dueNs = d.untilNs;
      else if (th.skipUntilNs > t) th.dueNs = this.nextWalkNs > t ? this.nextWalkNs : t + this.init.schedule.tickNs;
      else {
        this.sampleOne(th, st, d.periodNs);
        th.dueNs = th.sched.nextDueNs ?? now();
      }
    };
    if (t >= this.nextWalkNs) {
      this.nextWalkNs = t + this.init.schedule.tickNs;
      const seen = new Set<number>();
      for (const lt of this.reader.threads()) {
        if (!this.targets.has(lt.pid) || (this.init.tid !== null && lt.tid !== this.init.tid)) continue;
        this.targets.tryOpen(lt.pid, t, true); // a loop thread exists, so Python is up: retry a pending open now
        if (this.targets.get(lt.pid)?.kind !== "open") continue;
        seen.add(lt.tid);
        look(this.track(lt.pid, lt.tid), lt.runPhaseStartNs);
      }
      for (const tid of [...this.threads.keys()]) if (!seen.has(tid)) this.dropThread(tid);
    } else {
      for (const th of [...this.threads.values()]) if (th.dueNs <= t) look(th, this.reader.runPhaseStart(th.tid));
    }
    let wakeNs = this.nextWalkNs;
    for (const th of this.threads.values()) if (th.dueNs < wakeNs) wakeNs = th.dueNs;
    const end = now();
    const flush = Atomics.exchange(this.ctl, CTL.flush, 0) !== 0;
    const batchAge = this.batch.sinceNs === undefined ? 0n : end - this.batch.sinceNs;
    if (flush || phaseEnded || batchAge >= this.init.flushNs || end - this.lastPostNs >= this.init.heartbeatNs) this.post(end);
    return wakeNs;
  }

  private track(pid: number, tid: number): Tracked {
    let th = this.threads.get(tid);
    if (th === undefined) {
      th = { pid, tid, nsTid: namespaceTid(pid, tid), sched: idleSchedule(), dueNs: 0n, activity: ThreadActivity.open(pid, tid), missing: 0, skipUntilNs: 0n, last: null, info: null };
      this.threads.set(tid, th);
    }
    return th;
  }

  private dropThread(tid: number): void {
    this.threads.get(tid)?.activity?.close();
    this.threads.delete(tid);
  }

  private dropThreadsOf(pid: number): void {
    for (const th of [...this.threads.values()]) if (th.pid === pid) this.dropThread(th.tid);
  }

  /**
   * One sample of a blocked thread, kept only if the thread stayed in the same run phase across
   * it (same kernel run-phase start before and after ⇒ no wait in between ⇒ the capture time, the
   * midpoint, lies inside the phase). A thread that has not run since its last good read (off
   * CPU: sleep, recv, a lock) gets that stack again without reading its memory.
   */
  private sampleOne(th: Tracked, st: Extract<Target, { kind: "open" }>, periodNs: bigint): void {
    const phase = th.sched.phaseStartNs ?? 0n;
    const t0 = now();
    sampled(th.sched, t0, periodNs);
    const act = th.activity?.read() ?? null;
    let frames: SampleFrame[] | null;
    let task: TaskReport | null;
    let t1: bigint;
    if (act !== null && th.last !== null && idleSince(th.last.act, act)) {
      t1 = now();
      frames = th.last.frames;
      task = th.last.task;
      this.counters.reused++;
    } else {
      let sample: ReturnType<typeof st.py.sampleThread> = null;
      try {
        const wantInfo = th.info === null || th.info.phase !== phase || th.info.reads % ASYNCIO_EVERY === 0;
        sample = st.py.sampleThread(th.nsTid, wantInfo ? { asyncio: true } : {});
        if (sample !== null && wantInfo) th.info = { phase, reads: 0, task: copyTask(sample.task), name: sample.name };
        if (th.info !== null) th.info.reads++;
      } catch (e) {
        this.counters.errors++;
        th.last = null;
        // Exited (a zombie has no memory left to read: ESRCH until it is reaped): the session
        // says so, not us, and blocks that ended before keep their samples.
        if (hasExited(th.pid)) this.targets.close(th.pid);
        else if (++st.errors >= MAX_CONSECUTIVE_ERRORS) this.targets.giveUp(th.pid, `read stacks: ${describe(e)}`);
        return;
      } finally {
        t1 = now();
        this.counters.reads++;
        this.counters.readNs += t1 - t0;
        if (t1 - t0 > this.counters.readMaxNs) this.counters.readMaxNs = t1 - t0;
      }
      st.errors = 0;
      if (sample === null) {
        this.counters.missing++; // no Python thread state for this tid (a C thread running a loop)
        if (++th.missing >= MISSING_LIMIT) {
          th.missing = 0;
          th.skipUntilNs = t1 + MISSING_RETRY_NS;
        }
        return;
      }
      th.missing = 0;
      const ok = sample.status === "ok" && sample.frames.length > 0;
      frames = ok ? sample.frames : null;
      task = th.info?.phase === phase ? th.info.task : null;
      th.last = ok && act !== null ? { act, frames: sample.frames, task } : null;
      if (!ok) this.counters.torn++;
    }
    if (this.reader.runPhaseStart(th.tid) !== phase) {
      this.counters.straddled++;
      return;
    }
    this.counters.kept++;
    this.batch.add({ pid: th.pid, tid: th.tid, captureNs: t0 + (t1 - t0) / 2n, phaseStartNs: phase, periodNs, task, threadName: th.info?.name ?? null }, frames);
  }

  /** Post the batch (possibly empty) with the high-water mark `hwmNs`: every later read starts after it. */
  private post(hwmNs: bigint): void {
    this.counters.lookups = this.reader.lookups;
    post({ kind: "batch", ...this.batch.take(), highWaterNs: hwmNs, counters: { ...this.counters } });
    this.lastPostNs = hwmNs;
  }

  /**
   * Wake-ups must be on time for short blocks to be sampled at all; on a loaded machine a nice-0
   * thread waits several scheduler slices. Only this thread is reniced (setpriority on a tid is
   * per-thread on Linux), and it sleeps except while a loop is blocked. Needs CAP_SYS_NICE.
   */
  private renice(tid: number | null): string {
    if (this.init.nice === null || tid === null) return "inherited";
    try {
      setPriority(tid, this.init.nice);
      return String(this.init.nice);
    } catch (e) {
      return `inherited (${describe(e)})`;
    }
  }
}

/** This thread's kernel tid: /proc/thread-self → "PID/task/TID" (Linux 3.17). */
function ownTid(): number | null {
  try {
    const m = /\/task\/(\d+)$/.exec(readlinkSync("/proc/thread-self"));
    return m?.[1] === undefined ? null : Number(m[1]);
  } catch {
    return null;
  }
}

function namespaceTid(pid: number, tid: number): number {
  try {
    return parseNsPid(readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8")) ?? tid;
  } catch {
    return tid; // the thread just exited: its reads will come back empty
  }
}

function parseInit(d: unknown): WorkerInit {
  // workerData is built by Sampler.start (index.ts) and only checked for its shape here.
  if (typeof d !== "object" || d === null || !("control" in d) || !("port" in d) || !("mapFd" in d)) {
    throw new Error("sampler worker started without its init data");
  }
  return d as WorkerInit;
}

try {
  new SamplerLoop(parseInit(workerData)).run();
} catch (e) {
  post({ kind: "failed", reason: describe(e) });
  post({ kind: "closed" });
}

// worker: the sampler's thread. Stack reads are synchronous FFI/syscalls; here they never stall
// the tool's main loop. Each tick: look up every loop thread's run-phase start in the kernel map;
// read the stack of those whose phase is older than the gate; post samples in batches with the
// high-water mark; sleep in Atomics.wait until the next thing is due (or the main thread wakes us).
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { isToolError } from "../errors.js";
import { openPython, type PythonProcess } from "../python/index.js";
import { CTL, zeroCounters, type FromWorker, type ToWorker, type WireSample, type WorkerInit } from "./protocol.js";
import { parseNsPid } from "./ns.js";
import { RunPhaseReader } from "./run-phase.js";
import { decide, idleSchedule, sampled, type ThreadSchedule } from "./schedule.js";
import type { SampleFrame } from "./types.js";

// A launched child may not have exec'd Python when it is added, so a failed open is retried; but
// once the process runs an event loop (a thread is in the kernel map) Python is initialised, so
// OPEN_RETRIES more failures (one per OPEN_RETRY_NS, against torn reads) are final.
const OPEN_RETRIES = 2;
const OPEN_RETRY_NS = 100_000_000n;
const MAX_CONSECUTIVE_ERRORS = 50; // then the process is treated as gone / unreadable

type PidState =
  | { kind: "open"; py: PythonProcess; errors: number }
  | { kind: "pending"; attempts: number; nextTryNs: bigint; lastError: string; notPythonExe: string | null }
  | { kind: "unavailable" };

interface Tracked {
  pid: number;
  tid: number; // as the kernel (and the block events) see it
  nsTid: number; // as the target's pid namespace sees it: what CPython records
  sched: ThreadSchedule;
  dueNs: bigint; // next look between map walks
}

const now = (): bigint => process.hrtime.bigint();

function post(m: FromWorker): void {
  parentPort?.postMessage(m);
}

function describe(e: unknown): string {
  if (isToolError(e)) return e.chain();
  return e instanceof Error ? e.message : String(e);
}

/** Errors that will not go away by trying again later. */
function isFinal(e: unknown): boolean {
  return isToolError(e) && (e.kind === "unsupported-python" || e.kind === "permission" || e.kind === "not-found");
}

class SamplerLoop {
  private readonly ctl: Int32Array;
  private readonly reader: RunPhaseReader;
  private readonly pids = new Map<number, PidState>();
  private readonly threads = new Map<number, Tracked>(); // by tid
  private readonly counters = zeroCounters();
  private nextWalkNs = 0n;
  // The batch being built: stacks interned per batch so a block's repeated stack crosses once.
  private stacks: SampleFrame[][] = [];
  private stackIndex = new Map<string, number>();
  private samples: WireSample[] = [];
  private batchSinceNs: bigint | undefined;
  private lastPostNs = 0n;

  constructor(private readonly init: WorkerInit) {
    this.ctl = new Int32Array(init.control);
    this.reader = new RunPhaseReader(init.mapFd);
    for (const pid of init.pids) this.addPid(pid);
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
    this.post(now(), true);
    this.close();
  }

  private drainMessages(): void {
    for (let m = receiveMessageOnPort(this.init.port); m !== undefined; m = receiveMessageOnPort(this.init.port)) {
      const msg = m.message as ToWorker; // posted only by Sampler (index.ts) on this private port
      switch (msg.kind) {
        case "add-pid":
          this.addPid(msg.pid);
          break;
      }
    }
  }

  private addPid(pid: number): void {
    if (this.pids.has(pid)) return;
    this.pids.set(pid, { kind: "pending", attempts: 0, nextTryNs: 0n, lastError: "", notPythonExe: null });
    this.tryOpen(pid, now(), false);
  }

  /** `looping`: the process has a loop thread now, so failures count toward giving up. */
  private tryOpen(pid: number, t: bigint, looping: boolean): void {
    const st = this.pids.get(pid);
    if (st === undefined || st.kind !== "pending" || t < st.nextTryNs) return;
    const exe = executable(pid);
    if (looping && st.notPythonExe !== null && exe === st.notPythonExe) {
      // This very executable was found not to be Python, and it now runs a loop: it has not
      // exec'd since, so another open (100+ ms for a large binary) would fail the same way.
      this.giveUp(pid, st.lastError);
      return;
    }
    try {
      const py = openPython(pid);
      this.pids.set(pid, { kind: "open", py, errors: 0 });
      this.warm(py);
    } catch (e) {
      const reason = describe(e);
      const attempts = looping ? st.attempts + 1 : st.attempts;
      const notPython = isToolError(e) && e.kind === "not-python";
      if (isFinal(e) || (looping && notPython) || attempts >= OPEN_RETRIES) this.giveUp(pid, reason);
      else this.pids.set(pid, { kind: "pending", attempts, nextTryNs: t + OPEN_RETRY_NS, lastError: reason, notPythonExe: notPython ? exe : null });
    }
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

  /**
   * Read every thread once, now: the first read of a process is ~10× slower (cold code-object and
   * line-table caches, unoptimised JS), long enough to outlast a short block and be discarded.
   */
  private warm(py: PythonProcess): void {
    try {
      py.threads();
    } catch {
      // best effort: a torn warm-up read costs nothing; real reads report their own errors
    }
  }

  /** The process is gone: release its reader and threads silently (pids are not reused soon). */
  private forget(pid: number): void {
    const st = this.pids.get(pid);
    if (st?.kind === "open") st.py.close();
    this.pids.set(pid, { kind: "unavailable" });
    for (const [tid, th] of this.threads) if (th.pid === pid) this.threads.delete(tid);
  }

  private giveUp(pid: number, reason: string): void {
    const st = this.pids.get(pid);
    if (st?.kind === "open") st.py.close();
    this.pids.set(pid, { kind: "unavailable" });
    for (const [tid, th] of this.threads) if (th.pid === pid) this.threads.delete(tid);
    post({ kind: "unavailable", pid, reason });
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
      const st = this.pids.get(th.pid);
      if (st?.kind !== "open") {
        this.threads.delete(th.tid); // its process became unreadable or exited
        return;
      }
      const prevPhase = th.sched.phaseStartNs;
      const sampledBefore = th.sched.samplesInPhase > 0;
      const d = decide(th.sched, phase, now(), this.init.schedule);
      if (phase !== prevPhase && sampledBefore) phaseEnded = true; // its block's event is on its way: flush
      if (d.kind === "wait") th.dueNs = d.untilNs;
      else {
        this.sampleOne(th, st, d.periodNs);
        th.dueNs = th.sched.nextDueNs ?? now();
      }
    };
    if (t >= this.nextWalkNs) {
      this.nextWalkNs = t + this.init.schedule.tickNs;
      const seen = new Set<number>();
      for (const lt of this.reader.threads()) {
        if (!this.pids.has(lt.pid) || (this.init.tid !== null && lt.tid !== this.init.tid)) continue;
        this.tryOpen(lt.pid, t, true); // a loop thread exists, so Python is up: retry a pending open now
        if (this.pids.get(lt.pid)?.kind !== "open") continue;
        seen.add(lt.tid);
        let th = this.threads.get(lt.tid);
        if (th === undefined) {
          th = { pid: lt.pid, tid: lt.tid, nsTid: namespaceTid(lt.pid, lt.tid), sched: idleSchedule(), dueNs: 0n };
          this.threads.set(lt.tid, th);
        }
        look(th, lt.runPhaseStartNs);
      }
      for (const tid of this.threads.keys()) if (!seen.has(tid)) this.threads.delete(tid);
    } else {
      for (const th of this.threads.values()) if (th.dueNs <= t) look(th, this.reader.runPhaseStart(th.tid));
    }
    let wakeNs = this.nextWalkNs;
    for (const th of this.threads.values()) if (th.dueNs < wakeNs) wakeNs = th.dueNs;
    const end = now();
    const flush = Atomics.exchange(this.ctl, CTL.flush, 0) !== 0;
    const batchAge = this.batchSinceNs === undefined ? 0n : end - this.batchSinceNs;
    if (flush || phaseEnded || batchAge >= this.init.flushNs || end - this.lastPostNs >= this.init.heartbeatNs) this.post(end, false);
    return wakeNs;
  }

  /** Read one stack; keep it only if the thread stayed in the same run phase during the read. */
  private sampleOne(th: Tracked, st: { kind: "open"; py: PythonProcess; errors: number }, periodNs: bigint): bigint {
    const phase = th.sched.phaseStartNs ?? 0n;
    const t0 = now();
    let sample: ReturnType<PythonProcess["sampleThread"]> = null;
    let failed: unknown;
    try {
      sample = st.py.sampleThread(th.nsTid);
    } catch (e) {
      failed = e;
    }
    const t1 = now();
    sampled(th.sched, t0, periodNs);
    this.counters.reads++;
    this.counters.readNs += t1 - t0;
    if (failed !== undefined) {
      this.counters.errors++;
      if (!existsSync(`/proc/${th.pid}`)) this.forget(th.pid); // the target exited: the session says so, not us
      else if (++st.errors >= MAX_CONSECUTIVE_ERRORS) this.giveUp(th.pid, `read stacks: ${describe(failed)}`);
      return t0;
    }
    st.errors = 0;
    if (sample === null) {
      this.counters.missing++;
      return t0;
    }
    // Same phase before and after ⇒ no wait happened in [t0, t1]: the midpoint is inside the phase.
    if (this.reader.runPhaseStart(th.tid) !== phase) {
      this.counters.straddled++;
      return t0;
    }
    const torn = sample.status !== "ok";
    if (torn) this.counters.torn++;
    this.counters.kept++;
    this.samples.push({
      pid: th.pid,
      tid: th.tid,
      captureNs: t0 + (t1 - t0) / 2n,
      phaseStartNs: phase,
      periodNs,
      stack: torn ? -1 : this.internStack(sample.frames),
      task: sample.task === null ? null : { name: sample.task.name, coroutines: sample.task.coroutines },
    });
    this.batchSinceNs ??= t0;
    return t0;
  }

  private internStack(frames: readonly SampleFrame[]): number {
    const key = frames.map((f) => `${f.function}\u0000${f.file}\u0000${f.line ?? ""}`).join("\u0001");
    let i = this.stackIndex.get(key);
    if (i === undefined) {
      i = this.stacks.length;
      this.stacks.push(frames.map((f) => ({ function: f.function, file: f.file, line: f.line })));
      this.stackIndex.set(key, i);
    }
    return i;
  }

  /** Post the batch (possibly empty) with the high-water mark `hwmNs`: every later read starts after it. */
  private post(hwmNs: bigint, final: boolean): void {
    this.counters.lookups = this.reader.lookups;
    post({ kind: "batch", stacks: this.stacks, samples: this.samples, highWaterNs: hwmNs, counters: { ...this.counters } });
    this.stacks = [];
    this.stackIndex = new Map();
    this.samples = [];
    this.batchSinceNs = undefined;
    this.lastPostNs = hwmNs;
    if (final) post({ kind: "closed" });
  }

  private close(): void {
    for (const st of this.pids.values()) if (st.kind === "open") st.py.close();
    this.pids.clear();
    this.init.port.close();
  }
}

/** The process's executable (changes at exec), or null. */
function executable(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
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

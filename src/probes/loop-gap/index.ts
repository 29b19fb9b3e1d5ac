// The loop-gap probe driver: configure → load → attach → consume → close.
import { ToolError, wrap } from "../../errors.js";
import { u32Key } from "../../bpf/map.js";
import { FdWaiter } from "../../bpf/waiter.js";
import { SLOT_ENTER, SLOT_EXIT, TGID_FILTER_BYTES } from "./raw-syscalls.js";
import { COMPANION_OFFSET, COUNTERS, decodeEvent, decodeThread, mergeTotals, type GapEvent, type ThreadGapStats } from "./layout.js";
import { ThreadHistograms } from "./thread-hist.js";
import { BUCKETS, quantileFromHistogram } from "./histogram.js";
import type { WaitSyscall } from "./syscalls.js";
import { validateConfig, type LoopGapConfig } from "./config.js";
import { buildProbe, type ProbeParts } from "./build.js";
import type { PidNamespace } from "./nspid.js";

export type { LoopGapConfig } from "./config.js";
export type { Companion, GapStats, LoopThread } from "./types.js";
import type { Companion, GapStats, LoopThread } from "./types.js";
import { isLiveProcess, threadName } from "./procfs.js";
export type { GapEvent, ThreadGapStats } from "./layout.js";
export { THREAD_BUCKET_BOUNDS_S, THREAD_BUCKET_BOUNDS_NS, THREAD_BUCKETS, THREAD, COMPANION_OFFSET, TID_FILTER_BYTES } from "./layout.js";
export { toolPidNamespace, nsTids, kernelDev, INIT_PID_NS_INO, type PidNamespace } from "./nspid.js";

export class LoopGapProbe {
  readonly armedAtNs: bigint;
  /** The wait syscalls attached on this kernel. */
  readonly syscalls: readonly WaitSyscall[];
  /** New child processes of targets become targets in the kernel (followForks, and the sched tracepoints exist). */
  readonly followsForks: boolean;
  /** The PID namespace of every pid/tid in and out of this probe (config or toolPidNamespace()); undefined: the initial one. */
  readonly pidNamespace: PidNamespace | undefined;
  /** How the wait syscalls are traced: their own tracepoints, or raw_syscalls (config.rawSyscalls). */
  readonly syscallsVia: "tracepoints" | "raw-syscalls";
  /** Why a requested mode was not had (for --verbose / doctor). */
  readonly notes: readonly string[];
  readonly #parts: ProbeParts;
  readonly #waiter: FdWaiter;
  readonly #wake = new Map<number, () => void>();
  readonly #queue: GapEvent[] = [];
  readonly #threadHist: ThreadHistograms | undefined;
  #notify: Array<() => void> = [];
  #closed = false;
  #eventsEnded = false;
  #failure: unknown;
  readonly #pump: Promise<void>;

  private constructor(parts: ProbeParts, waiter: FdWaiter) {
    this.#parts = parts;
    this.#waiter = waiter;
    this.#threadHist = parts.threadHist === undefined ? undefined : new ThreadHistograms(parts.threadHist);
    this.syscalls = parts.syscalls;
    this.followsForks = parts.followsForks;
    this.pidNamespace = parts.pidNamespace;
    this.syscallsVia = parts.raw === undefined ? "tracepoints" : "raw-syscalls";
    this.notes = parts.notes;
    this.armedAtNs = parts.armedAtNs;
    this.#pump = this.#run().catch((e: unknown) => {
      this.#failure = wrap("read loop-gap events", e);
      this.#wakeConsumers();
    });
  }

  /** Build, load and attach. Throws ToolError; everything opened so far is closed on failure. */
  static async open(config: LoopGapConfig): Promise<LoopGapProbe> {
    validateConfig(config);
    const parts = buildProbe(config);
    let waiter: FdWaiter | undefined;
    try {
      waiter = new FdWaiter();
      if (parts.ring) waiter.add(parts.ring.fd);
      return new LoopGapProbe(parts, waiter);
    } catch (e) {
      waiter?.close();
      for (const r of [...parts.owned].reverse()) r.close();
      throw wrap("open loop-gap probe", e);
    }
  }

  /**
   * The fd of the per-thread run-phase map (key u32 tid, value layout.ts THREAD), for readers in
   * worker threads (a BPF fd is process-wide; take your own reference with BPF_MAP_GET_FD_BY_ID).
   * -1 after close().
   */
  get threadsMapFd(): number {
    return this.#parts.maps.threads.fd;
  }

  /** The maps a companion probe works on; undefined without config.companionBytes. */
  get companion(): Companion | undefined {
    const p = this.#parts;
    if (p.companionBytes === 0 || this.#closed) return undefined;
    return {
      threads: p.maps.threads, offset: COMPANION_OFFSET, bytes: p.companionBytes, tidBits: p.maps.tidBits, pidNamespace: p.pidNamespace,
      syscallTailCalls: p.raw === undefined ? undefined : { map: p.raw.tailCalls, enter: SLOT_ENTER, exit: SLOT_EXIT },
    };
  }

  addPid(pid: number): void {
    this.#live("add pid").targets.update(u32Key(pid), u32Key(1));
    // raw_syscalls mode: let the exit program look at this process's untracked threads (a byte store in the mapped filter: no race with the fork program's)
    const raw = this.#parts.raw;
    if (raw !== undefined) new Uint8Array(raw.tgidBits.view)[pid & (TGID_FILTER_BYTES - 1)] = 1;
  }

  /** Stop tracing `pid` and forget its threads. */
  removePid(pid: number): void {
    const maps = this.#live("remove pid");
    maps.targets.delete(u32Key(pid));
    for (const key of maps.threads.keys()) {
      const v = maps.threads.lookup(key);
      if (v !== undefined && decodeThread(v).tgid === pid) maps.threads.delete(key);
    }
    this.#threadHist?.removePid(pid);
  }

  /**
   * The tgids traced now: those given or added, plus (followForks) descendants the kernel added
   * since, minus processes that exited. Prunes first (see pruneTargets). Poll it (e.g. once a
   * second) to learn new worker processes.
   */
  targets(): number[] {
    if (this.#closed) return [];
    this.pruneTargets();
    return this.#parts.maps.targets.keys().map((k) => k.readUInt32LE(0)).sort((a, b) => a - b);
  }

  /**
   * Remove targets entries that are not live processes: threads (fork also reports new threads,
   * whose tids the kernel adds and removes again when they exit) and processes whose exit the
   * kernel did not see; and per-thread histograms of threads that exited (their final counts stay
   * in threadStats() while their process is traced). Returns how many entries went. Cheap enough
   * to call once a second.
   */
  pruneTargets(): number {
    if (this.#closed) return 0;
    let n = 0;
    const targets = this.#parts.maps.targets;
    for (const key of targets.keys()) {
      if (!isLiveProcess(key.readUInt32LE(0)) && targets.delete(key)) n++;
    }
    if (this.#threadHist !== undefined) n += this.#threadHist.prune(new Set(targets.keys().map((k) => k.readUInt32LE(0))));
    return n;
  }

  /**
   * Per-thread gap buckets (threadHistograms), one map read per thread; [] without them. Counts
   * are per bucket (THREAD_BUCKET_BOUNDS_S then +Inf), not cumulative. A thread's count, sum and
   * bucket are three separate stores: a read during a gap may see one ahead of the others.
   * Threads that exited are included with their final counts while their process is traced
   * (until its tid is taken by a new thread, whose entry the kernel starts from zero).
   */
  threadStats(): ThreadGapStats[] {
    if (this.#closed || this.#threadHist === undefined) return [];
    return this.#threadHist.stats();
  }

  /**
   * Deliver what the kernel has produced so far, then end events(); the probe stays attached
   * (maps and counters readable) until close(). A session ends this way the moment it is asked
   * to: detaching can take a second (14 wait tracepoints, a grace period each: bench/README.md).
   */
  endEvents(): void {
    if (this.#eventsEnded) return;
    this.#drain();
    this.#eventsEnded = true;
    this.#wakeConsumers();
  }

  /** Gap events in ring-buffer order; ends after endEvents() or close() once the queue is empty. One consumer. */
  async *events(): AsyncIterableIterator<GapEvent> {
    for (;;) {
      const next = this.#queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#closed || this.#eventsEnded) return;
      await new Promise<void>((resolve) => this.#notify.push(resolve));
    }
  }

  /** Cumulative since open; all zero when opened without stats. */
  readStats(): GapStats {
    if (this.#closed || this.#parts.totals === undefined || this.#parts.hist === undefined) {
      return { count: 0n, sumNs: 0n, minNs: 0n, maxNs: 0n, quantileNs: () => 0n, buckets: new BigUint64Array(0) };
    }
    const t = mergeTotals(this.#parts.totals.lookupAll(0));
    const hist = new BigUint64Array(this.#parts.hist.view, 0, BUCKETS).slice(); // a snapshot
    return { ...t, quantileNs: (q: number) => quantileFromHistogram(hist, q, t.minNs, t.maxNs), buckets: hist };
  }

  /** Events the kernel could not put in the ring buffer (it was full). */
  dropped(): bigint {
    if (this.#closed) return 0n;
    return this.#parts.maps.counters.lookup(u32Key(0))?.readBigUInt64LE(COUNTERS.drops) ?? 0n;
  }

  /** Monotonic ns when `tid` started its current run phase; undefined while waiting or unknown. */
  runPhaseStart(tid: number): bigint | undefined {
    if (this.#closed) return undefined;
    const v = this.#parts.maps.threads.lookup(u32Key(tid));
    if (v === undefined) return undefined;
    const start = decodeThread(v).runStartNs;
    return start === 0n ? undefined : start;
  }

  /** Every traced thread that has returned from a wait syscall; threads that exited are pruned. */
  loopThreads(): LoopThread[] {
    if (this.#closed) return [];
    const out: LoopThread[] = [];
    for (const key of this.#parts.maps.threads.keys()) {
      const v = this.#parts.maps.threads.lookup(key);
      if (v === undefined) continue;
      const tid = key.readUInt32LE(0);
      const state = decodeThread(v);
      const pid = state.tgid;
      const name = threadName(pid, tid);
      if (name === undefined) this.#parts.maps.threads.delete(key);
      else out.push({ pid, tid, name, waits: state.waitsInEpoll ? "epoll" : "poll-select" });
    }
    return out.sort((a, b) => a.pid - b.pid || a.tid - b.tid);
  }

  /** Call `onReady` once when `fd` becomes readable (e.g. a pidfd when its process exits). */
  addWakeFd(fd: number, onReady: () => void): void {
    if (this.#closed) throw new ToolError("internal", "add wake fd: the probe is closed");
    this.#waiter.add(fd);
    this.#wake.set(fd, onReady);
  }

  /** Detach and free everything. Pending events stay readable from events(). Idempotent. */
  close(): void {
    if (this.#closed) return;
    // Detach first (links were owned last), then collect what is already in the ring.
    for (const l of this.#parts.links) l.close();
    this.#drain();
    this.#closed = true;
    this.#waiter.close();
    for (const r of [...this.#parts.owned].reverse()) r.close();
    this.#wake.clear();
    this.#wakeConsumers();
  }

  /** Resolves once close() has released every fd (the waiter's threadpool call has returned). */
  async whenClosed(): Promise<void> {
    await this.#pump;
    await this.#waiter.drained();
  }

  async #run(): Promise<void> {
    // Not after endEvents(): the ring's fd is level-triggered, and nothing would consume it.
    while (!this.#closed && !this.#eventsEnded) {
      this.#drain(); // drain before sleeping: the kernel only wakes a consumer that caught up
      const ready = await this.#waiter.wait();
      for (const fd of ready) {
        const cb = this.#wake.get(fd);
        if (cb === undefined) continue;
        this.#wake.delete(fd);
        this.#waiter.remove(fd);
        cb();
      }
    }
  }

  #drain(): void {
    if (this.#closed || this.#eventsEnded || this.#parts.ring === undefined) return;
    const n = this.#parts.ring.drain((record) => this.#queue.push(decodeEvent(record, this.#parts.companionBytes)));
    if (n > 0) this.#wakeConsumers();
  }

  #wakeConsumers(): void {
    const waiting = this.#notify;
    this.#notify = [];
    for (const resolve of waiting) resolve();
  }

  #live(what: string): ProbeParts["maps"] {
    if (this.#closed) throw new ToolError("internal", `${what}: the probe is closed`);
    return this.#parts.maps;
  }
}

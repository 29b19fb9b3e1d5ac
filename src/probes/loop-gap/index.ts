// The loop-gap probe driver: configure → load → attach → consume → close.
import { existsSync, readFileSync } from "node:fs";
import { ToolError, wrap } from "../../errors.js";
import { BpfMap, MmapArray, PerCpuArray, arrayMap, hashMap, u32Key } from "../../bpf/map.js";
import { Program } from "../../bpf/program.js";
import { TracepointLink } from "../../bpf/link.js";
import { RingBuffer } from "../../bpf/ringbuf.js";
import { FdWaiter } from "../../bpf/waiter.js";
import { probeFeature } from "../../bpf/features.js";
import { monotonicNs } from "../../bpf/clock.js";
import { enterProgram, exitProgram, type LoopGapMaps } from "./program.js";
import { COUNTERS, THREAD, TOTALS, decodeEvent, decodeThread, mergeTotals, type GapEvent } from "./layout.js";
import { BUCKETS, quantileFromHistogram } from "./histogram.js";
import { kindKey, traceableWaitSyscalls, type WaitSyscall } from "./syscalls.js";

export type { GapEvent } from "./layout.js";

export interface LoopGapConfig {
  pids: readonly number[];
  tid?: number;
  thresholdNs: bigint | null;
  stats: boolean;
  ringBufferBytes?: number;
}

export interface GapStats {
  count: bigint;
  sumNs: bigint;
  minNs: bigint;
  maxNs: bigint;
  quantileNs(q: number): bigint;
  /** The raw log-linear histogram (see histogram.ts bucketBounds); empty without stats. */
  buckets: BigUint64Array;
}

export interface LoopThread {
  pid: number;
  tid: number;
  /** /proc/PID/task/TID/comm at the time of the call ("" if it could not be read). */
  name: string;
}

const DEFAULT_RING_BYTES = 256 * 1024;
const MAX_TARGETS = 1024;
const MAX_THREADS = 16384;

interface Closable {
  close(): void;
}

export class LoopGapProbe {
  readonly armedAtNs: bigint;
  /** The wait syscalls attached on this kernel. */
  readonly syscalls: readonly WaitSyscall[];
  readonly #maps: { targets: BpfMap; threads: BpfMap; counters: BpfMap };
  readonly #ring: RingBuffer | undefined;
  readonly #totals: PerCpuArray | undefined;
  readonly #hist: MmapArray | undefined;
  readonly #owned: Closable[];
  readonly #waiter: FdWaiter;
  readonly #wake = new Map<number, () => void>();
  readonly #queue: GapEvent[] = [];
  #notify: Array<() => void> = [];
  #closed = false;
  readonly #pump: Promise<void>;

  private constructor(parts: {
    maps: { targets: BpfMap; threads: BpfMap; counters: BpfMap };
    ring: RingBuffer | undefined; totals: PerCpuArray | undefined; hist: MmapArray | undefined;
    owned: Closable[]; waiter: FdWaiter; syscalls: WaitSyscall[]; armedAtNs: bigint;
  }) {
    this.#maps = parts.maps;
    this.#ring = parts.ring;
    this.#totals = parts.totals;
    this.#hist = parts.hist;
    this.#owned = parts.owned;
    this.#waiter = parts.waiter;
    this.syscalls = parts.syscalls;
    this.armedAtNs = parts.armedAtNs;
    this.#pump = this.#run();
  }

  /** Build, load and attach. Throws ToolError; everything opened so far is closed on failure. */
  static async open(config: LoopGapConfig): Promise<LoopGapProbe> {
    validate(config);
    const owned: Closable[] = [];
    const own = <T extends Closable>(r: T): T => (owned.push(r), r);
    try {
      const syscalls = traceableWaitSyscalls();
      if (syscalls.length === 0) throw new ToolError("not-supported", "find wait syscall tracepoints: none (CONFIG_FTRACE_SYSCALLS off?)");
      const wantEvents = config.thresholdNs !== null;
      if (wantEvents) {
        const rb = probeFeature("ring-buffer");
        if (!rb.supported) throw new ToolError("not-supported", `use a BPF ring buffer: needs linux ≥ ${rb.minimumKernel}`, { cause: rb.reason });
      }
      const maps = {
        targets: own(hashMap("lg_targets", 4, 4, MAX_TARGETS)),
        threads: own(hashMap("lg_threads", 4, THREAD.size, MAX_THREADS)),
        counters: own(arrayMap("lg_counters", COUNTERS.size, 1)),
      };
      const ring = wantEvents ? own(new RingBuffer("lg_events", config.ringBufferBytes ?? DEFAULT_RING_BYTES)) : undefined;
      const totals = config.stats ? own(new PerCpuArray("lg_totals", TOTALS.size, 1)) : undefined;
      const hist = config.stats ? own(new MmapArray("lg_hist", 8 * BUCKETS, 1)) : undefined;
      for (const pid of config.pids) maps.targets.update(u32Key(pid), u32Key(1));

      const layout: LoopGapMaps = { ...maps, ...(ring ? { events: ring } : {}), ...(totals ? { totals } : {}), ...(hist ? { hist } : {}) };
      const options = { thresholdNs: config.thresholdNs, stats: config.stats, ...(config.tid === undefined ? {} : { tid: config.tid }) };
      const exit = own(Program.load({ name: "lg_exit", instructions: exitProgram(layout, options) }));
      const enters = new Map<string, Program>();
      for (const s of syscalls) {
        const key = kindKey(s.kind);
        let enter = enters.get(key);
        if (enter === undefined) {
          enter = own(Program.load({ name: `lg_enter_${key}`, instructions: enterProgram(layout, options, s.kind) }));
          enters.set(key, enter);
        }
      }
      for (const s of syscalls) {
        const a = TracepointLink.attach(enters.get(kindKey(s.kind))!, "syscalls", `sys_enter_${s.name}`); // loaded above
        const b = TracepointLink.attach(exit, "syscalls", `sys_exit_${s.name}`);
        if (a) own(a);
        if (b) own(b);
      }
      const armedAtNs = monotonicNs();
      const waiter = new FdWaiter();
      if (ring) {
        try {
          waiter.add(ring.fd);
        } catch (e) {
          waiter.close();
          throw e;
        }
      }
      return new LoopGapProbe({ maps, ring, totals, hist, owned, waiter, syscalls: syscalls.map((s) => s.name), armedAtNs });
    } catch (e) {
      for (const r of owned.reverse()) r.close();
      throw wrap("open loop-gap probe", e);
    }
  }

  addPid(pid: number): void {
    this.#live("add pid").targets.update(u32Key(pid), u32Key(1));
  }

  /** Stop tracing `pid` and forget its threads. */
  removePid(pid: number): void {
    const maps = this.#live("remove pid");
    maps.targets.delete(u32Key(pid));
    for (const key of maps.threads.keys()) {
      const v = maps.threads.lookup(key);
      if (v !== undefined && decodeThread(v).tgid === pid) maps.threads.delete(key);
    }
  }

  /** Gap events in ring-buffer order; ends after close() once the queue is empty. One consumer. */
  async *events(): AsyncIterableIterator<GapEvent> {
    for (;;) {
      const next = this.#queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => this.#notify.push(resolve));
    }
  }

  /** Cumulative since open; all zero when opened without stats. */
  readStats(): GapStats {
    if (this.#closed || this.#totals === undefined || this.#hist === undefined) {
      return { count: 0n, sumNs: 0n, minNs: 0n, maxNs: 0n, quantileNs: () => 0n, buckets: new BigUint64Array(0) };
    }
    const t = mergeTotals(this.#totals.lookupAll(0));
    const hist = new BigUint64Array(this.#hist.view, 0, BUCKETS).slice(); // a snapshot
    return { ...t, quantileNs: (q: number) => quantileFromHistogram(hist, q, t.minNs, t.maxNs), buckets: hist };
  }

  /** Events the kernel could not put in the ring buffer (it was full). */
  dropped(): bigint {
    if (this.#closed) return 0n;
    return this.#maps.counters.lookup(u32Key(0))?.readBigUInt64LE(COUNTERS.drops) ?? 0n;
  }

  /** Monotonic ns when `tid` started its current run phase; undefined while waiting or unknown. */
  runPhaseStart(tid: number): bigint | undefined {
    if (this.#closed) return undefined;
    const v = this.#maps.threads.lookup(u32Key(tid));
    if (v === undefined) return undefined;
    const start = decodeThread(v).runStartNs;
    return start === 0n ? undefined : start;
  }

  /** Every traced thread that has returned from a wait syscall; threads that exited are pruned. */
  loopThreads(): LoopThread[] {
    if (this.#closed) return [];
    const out: LoopThread[] = [];
    for (const key of this.#maps.threads.keys()) {
      const v = this.#maps.threads.lookup(key);
      if (v === undefined) continue;
      const tid = key.readUInt32LE(0);
      const pid = decodeThread(v).tgid;
      const name = threadName(pid, tid);
      if (name === undefined) this.#maps.threads.delete(key);
      else out.push({ pid, tid, name });
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
    for (const r of [...this.#owned].reverse()) if (r instanceof TracepointLink) r.close();
    this.#drain();
    this.#closed = true;
    this.#waiter.close();
    for (const r of [...this.#owned].reverse()) r.close();
    this.#wake.clear();
    this.#wakeConsumers();
  }

  /** Resolves once close() has released every fd (the waiter's threadpool call has returned). */
  async whenClosed(): Promise<void> {
    await this.#pump;
    await this.#waiter.drained();
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
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
    if (this.#closed || this.#ring === undefined) return;
    const n = this.#ring.drain((record) => this.#queue.push(decodeEvent(record)));
    if (n > 0) this.#wakeConsumers();
  }

  #wakeConsumers(): void {
    const waiting = this.#notify;
    this.#notify = [];
    for (const resolve of waiting) resolve();
  }

  #live(what: string): { targets: BpfMap; threads: BpfMap; counters: BpfMap } {
    if (this.#closed) throw new ToolError("internal", `${what}: the probe is closed`);
    return this.#maps;
  }
}

/** The thread's comm, or undefined when the thread no longer exists. */
function threadName(pid: number, tid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trimEnd();
  } catch (e) {
    if (e instanceof Error && "code" in e && (e.code === "ENOENT" || e.code === "ESRCH")) return undefined;
    return existsSync(`/proc/${pid}/task/${tid}`) ? "" : undefined;
  }
}

function validate(c: LoopGapConfig): void {
  for (const pid of c.pids) if (!Number.isInteger(pid) || pid <= 0) throw new ToolError("usage", `open loop-gap probe: bad pid ${pid}`);
  if (c.tid !== undefined && (!Number.isInteger(c.tid) || c.tid <= 0)) throw new ToolError("usage", `open loop-gap probe: bad tid ${c.tid}`);
  if (c.thresholdNs !== null && c.thresholdNs < 0n) throw new ToolError("usage", "open loop-gap probe: negative threshold");
  if (c.thresholdNs === null && !c.stats) throw new ToolError("usage", "open loop-gap probe: neither events (threshold) nor stats requested");
}

// The run-cause probe driver: configure → load → attach → consume → close. A separate probe from
// loop-gap (its own maps and programs on the same wait tracepoints, the same phase rules), so
// either can be loaded alone; user space joins their events (see src/cause/join.ts).
import { existsSync } from "node:fs";
import { ToolError, wrap } from "../../errors.js";
import { BpfMap, MmapArray, arrayMap, hashMap, u32Key } from "../../bpf/map.js";
import { MapType } from "../../bpf/sys/index.js";
import { Program } from "../../bpf/program.js";
import { TracepointLink } from "../../bpf/link.js";
import { RingBuffer } from "../../bpf/ringbuf.js";
import { FdWaiter } from "../../bpf/waiter.js";
import { probeFeature } from "../../bpf/features.js";
import { RawTracepointLink } from "./raw-tracepoint.js";
import { kindKey, traceableWaitSyscalls, type WaitSyscall } from "../loop-gap/syscalls.js";
import { COUNTERS, RECORD, THREAD, decodeRecord, type RunRecord } from "./layout.js";
import {
  FILTER_BYTES, enterProgram, exitProgram,
  type RunCauseMaps,
} from "./program.js";

import { attachSched, attachSyscalls, type Closable } from "./attach.js";

export { schedOffsets, rawSyscallOffsets } from "./attach.js";
export type { RunRecord, SyscallSlot } from "./layout.js";

/** BPF_MAP_TYPE_STACK_TRACE (enum bpf_map_type, include/uapi/linux/bpf.h); not in the toolkit's MapType subset. */
export const MAP_TYPE_STACK_TRACE = 7;
/** Frames kept per kernel stack (≤ kernel.perf_event_max_stack, 127 by default). */
export const STACK_DEPTH = 64;

export interface RunCauseConfig {
  pids: readonly number[];
  tid?: number;
  /** Records are emitted for run phases ≥ this (apply some slack below the detector's threshold). */
  thresholdNs: bigint;
  /** Syscall numbers whose time counts as futex wait (the architecture's futex, futex_waitv, futex_wait). */
  futexNrs: readonly number[];
  /** Syscall numbers of the epoll waits: raw_syscalls programs ignore them (they always end a phase). */
  epollNrs?: readonly number[];
  ringBufferBytes?: number;
  stackEntries?: number;
  /** Trace raw_syscalls through perf tracepoints even when raw tracepoints work (tests, bench). */
  perfSyscalls?: boolean;
  /** Trace the scheduler through perf tracepoints even when raw tracepoints work (tests, bench). */
  perfSched?: boolean;
}

/** A thread currently inside a run phase, as the kernel sees it now. */
export interface PhaseThread {
  pid: number;
  tid: number;
  runStartNs: bigint;
  /** The syscall in progress, or null. */
  syscallNr: number | null;
}

const DEFAULT_RING_BYTES = 512 * 1024;
const MAX_TARGETS = 1024;
const MAX_THREADS = 16384;

export class RunCauseProbe {
  readonly syscalls: readonly WaitSyscall[];
  /** How raw_syscalls is traced: raw tracepoints (cheap) or perf tracepoints (fallback). */
  readonly syscallVia: "raw" | "perf";
  /** How sched_switch/sched_wakeup are traced: raw tracepoints (≥ 5.18 for prev_state) or perf tracepoints. */
  readonly schedVia: "raw" | "perf";
  readonly #tasks: BpfMap;
  readonly #pidBits: MmapArray;
  /** Why a cheaper attach path was not taken (for --verbose / doctor). */
  readonly notes: readonly string[];
  readonly #targets: BpfMap;
  readonly #threads: BpfMap;
  readonly #stacks: BpfMap;
  readonly #counters: BpfMap;
  readonly #ring: RingBuffer;
  readonly #owned: Closable[];
  readonly #waiter: FdWaiter;
  readonly #listeners = new Set<(r: RunRecord) => void>();
  #closed = false;
  readonly #pump: Promise<void>;

  private constructor(p: { maps: RunCauseMaps & { targets: BpfMap; threads: BpfMap; stacks: BpfMap; counters: BpfMap; tasks: BpfMap; pidBits: MmapArray }; ring: RingBuffer; owned: Closable[]; waiter: FdWaiter; syscalls: WaitSyscall[]; syscallVia: "raw" | "perf"; schedVia: "raw" | "perf"; notes: string[] }) {
    this.notes = p.notes;
    this.syscallVia = p.syscallVia;
    this.schedVia = p.schedVia;
    this.#tasks = p.maps.tasks;
    this.#pidBits = p.maps.pidBits;
    this.#targets = p.maps.targets;
    this.#threads = p.maps.threads;
    this.#stacks = p.maps.stacks;
    this.#counters = p.maps.counters;
    this.#ring = p.ring;
    this.#owned = p.owned;
    this.#waiter = p.waiter;
    this.syscalls = p.syscalls;
    this.#pump = this.#run();
  }

  /** Build, load and attach. Throws ToolError; everything opened so far is closed on failure. */
  static open(c: RunCauseConfig): RunCauseProbe {
    for (const pid of c.pids) if (!Number.isInteger(pid) || pid <= 0) throw new ToolError("usage", `open run-cause probe: bad pid ${pid}`);
    if (c.tid !== undefined && (!Number.isInteger(c.tid) || c.tid <= 0)) throw new ToolError("usage", `open run-cause probe: bad tid ${c.tid}`);
    const owned: Closable[] = [];
    const own = <T extends Closable>(r: T): T => (owned.push(r), r);
    try {
      const waits = traceableWaitSyscalls();
      if (waits.length === 0) throw new ToolError("not-supported", "find wait syscall tracepoints: none (CONFIG_FTRACE_SYSCALLS off?)");
      const rb = probeFeature("ring-buffer");
      if (!rb.supported) throw new ToolError("not-supported", `use a BPF ring buffer: needs linux ≥ ${rb.minimumKernel}`, { cause: rb.reason });
      const maps = {
        targets: own(hashMap("rc_targets", 4, 4, MAX_TARGETS)),
        threads: own(hashMap("rc_threads", 4, THREAD.size, MAX_THREADS)),
        zero: own(arrayMap("rc_zero", THREAD.size, 1)),
        stacks: own(new BpfMap({ type: MAP_TYPE_STACK_TRACE, name: "rc_stacks", keySize: 4, valueSize: 8 * STACK_DEPTH, maxEntries: c.stackEntries ?? 2048 })),
        counters: own(arrayMap("rc_counters", COUNTERS.size, 1)),
        events: own(new RingBuffer("rc_events", c.ringBufferBytes ?? DEFAULT_RING_BYTES)),
        tasks: own(new BpfMap({ type: MapType.Hash, name: "rc_tasks", keySize: 8, valueSize: 4, maxEntries: MAX_THREADS })),
        pidBits: own(new MmapArray("rc_pidbits", FILTER_BYTES, 1)),
        taskBits: own(arrayMap("rc_taskbits", FILTER_BYTES, 1)),
      };
      const pidBits = new Uint8Array(maps.pidBits.view, 0, FILTER_BYTES);
      for (const pid of c.pids) pidBits[pid & (FILTER_BYTES - 1)] = 1;
      for (const pid of c.pids) maps.targets.update(u32Key(pid), u32Key(1));

      const load = (name: string, instructions: Parameters<typeof Program.load>[0]["instructions"]) => own(Program.load({ name, instructions }));
      const exit = load("rc_exit", exitProgram(maps, c.tid));
      const enters = new Map<string, Program>();
      for (const s of waits) {
        const key = kindKey(s.kind);
        if (!enters.has(key)) enters.set(key, load(`rc_enter_${key}`.slice(0, 15), enterProgram(maps, c.thresholdNs, s.kind)));
      }

      const attach = (p: Program, category: string, name: string): void => {
        const link = TracepointLink.attach(p, category, name);
        if (link === undefined) throw new ToolError("not-supported", `attach ${category}/${name}: no such tracepoint`);
        own(link);
      };
      // Scheduler and raw syscalls first, so accounting is live before any phase opens.
      const notes: string[] = [];
      const schedVia = attachSched(maps, own, c.perfSched === true, notes);
      const syscallVia = attachSyscalls(maps, c.futexNrs, c.epollNrs ?? [], own, c.perfSyscalls === true, notes);
      for (const s of waits) {
        attach(enters.get(kindKey(s.kind))!, "syscalls", `sys_enter_${s.name}`); // loaded above for every kind
        attach(exit, "syscalls", `sys_exit_${s.name}`);
      }
      const waiter = new FdWaiter();
      try {
        waiter.add(maps.events.fd);
      } catch (e) {
        waiter.close();
        throw e;
      }
      return new RunCauseProbe({ maps, ring: maps.events, owned, waiter, syscalls: waits.map((s) => s.name), syscallVia, schedVia, notes });
    } catch (e) {
      for (const r of owned.reverse()) r.close();
      throw wrap("open run-cause probe", e);
    }
  }

  /** Call `fn` with every record, in ring-buffer order. Returns an unsubscribe function. */
  onRecord(fn: (r: RunRecord) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  addPid(pid: number): void {
    this.#live("add pid");
    new Uint8Array(this.#pidBits.view, 0, FILTER_BYTES)[pid & (FILTER_BYTES - 1)] = 1; // before the map: no miss in between
    this.#targets.update(u32Key(pid), u32Key(1));
  }

  removePid(pid: number): void {
    this.#live("remove pid");
    this.#targets.delete(u32Key(pid));
    for (const key of this.#threads.keys()) {
      const v = this.#threads.lookup(key);
      if (v !== undefined && v.readUInt32LE(THREAD.tgid) === pid) this.#threads.delete(key);
    }
  }

  /** Kernel return addresses of stack `id`, innermost first; undefined when gone (reused or never stored). */
  kernelStack(id: number): bigint[] | undefined {
    if (this.#closed) return undefined;
    const v = this.#stacks.lookup(u32Key(id));
    if (v === undefined) return undefined;
    const out: bigint[] = [];
    for (let i = 0; i < STACK_DEPTH; i++) {
      const ip = v.readBigUInt64LE(i * 8);
      if (ip === 0n) break;
      out.push(ip);
    }
    return out;
  }

  /** Forget threads that have exited (their entries would otherwise stay until close). Returns how many. */
  prune(): number {
    if (this.#closed) return 0;
    let n = 0;
    for (const key of this.#threads.keys()) {
      const v = this.#threads.lookup(key);
      if (v === undefined) continue;
      if (!existsSync(`/proc/${v.readUInt32LE(THREAD.tgid)}/task/${key.readUInt32LE(0)}`) && this.#threads.delete(key)) n++;
    }
    for (const key of this.#tasks.keys()) {
      const tid = this.#tasks.lookup(key);
      if (tid === undefined || this.#threads.lookup(tid) === undefined) this.#tasks.delete(key);
    }
    return n;
  }

  /** Threads inside a run phase now. */
  phaseThreads(): PhaseThread[] {
    if (this.#closed) return [];
    const out: PhaseThread[] = [];
    for (const key of this.#threads.keys()) {
      const v = this.#threads.lookup(key);
      if (v === undefined) continue;
      const tid = key.readUInt32LE(0);
      const pid = v.readUInt32LE(THREAD.tgid);
      const runStartNs = v.readBigUInt64LE(THREAD.runStart);
      if (runStartNs === 0n) continue;
      const sysStart = v.readBigUInt64LE(THREAD.curSysStart);
      const nr = v.readBigInt64LE(THREAD.curNr);
      out.push({ pid, tid, runStartNs, syscallNr: sysStart === 0n || nr < 0n ? null : Number(nr) });
    }
    return out;
  }

  /** Kernel ids of this probe's programs (leak checks, bpftool). */
  programIds(): number[] {
    return this.#owned.filter((r): r is Program => r instanceof Program).map((p) => p.id);
  }

  /** Records the kernel could not put in the ring buffer (it was full). */
  dropped(): bigint {
    if (this.#closed) return 0n;
    return this.#counters.lookup(u32Key(0))?.readBigUInt64LE(COUNTERS.drops) ?? 0n;
  }

  /** Detach and free everything; records already in the ring are delivered first. Idempotent. */
  close(): void {
    if (this.#closed) return;
    for (const r of [...this.#owned].reverse()) if (r instanceof TracepointLink || r instanceof RawTracepointLink) r.close();
    this.#drain();
    this.#closed = true;
    this.#waiter.close();
    for (const r of [...this.#owned].reverse()) r.close();
    this.#listeners.clear();
  }

  async whenClosed(): Promise<void> {
    await this.#pump;
    await this.#waiter.drained();
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      this.#drain();
      await this.#waiter.wait();
    }
  }

  #drain(): void {
    if (this.#closed) return;
    this.#ring.drain((b) => {
      if (b.length < RECORD.size) return;
      const r = decodeRecord(b);
      for (const fn of this.#listeners) fn(r);
    });
  }

  #live(what: string): void {
    if (this.#closed) throw new ToolError("internal", `${what}: the run-cause probe is closed`);
  }
}

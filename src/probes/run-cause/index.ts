// The run-cause probe driver: configure → load → attach → close. A companion of the loop-gap
// probe: its programs account each loop thread's run phase inside loop-gap's per-thread entries
// (loop-gap opened with companionBytes ≥ COMPANION.size), and loop-gap's events carry the result
// (decodeCompanion). It has no phase logic, no ring buffer and no program on the wait syscalls.
import { ToolError, wrap } from "../../errors.js";
import { BpfMap, PerCpuArray, arrayMap, u32Key, type ProgArray } from "../../bpf/map.js";
import { MapWalker } from "../../bpf/map-walker.js";
import { MapType } from "../../bpf/sys/index.js";
import { Program } from "../../bpf/program.js";
import { THREAD as LG_THREAD } from "../loop-gap/layout.js";
import type { PidNamespace } from "../loop-gap/nspid.js";
import { COMPANION } from "./layout.js";
import { TASK_FILTER_BYTES, type RunCauseLayout } from "./program.js";
import { attachSched, attachSyscalls, tailCallSyscalls, type Closable } from "./attach.js";

export { schedOffsets, rawSyscallOffsets } from "./attach.js";
export { COMPANION, decodeCompanion, type Gap } from "./layout.js";
export type { RunRecord, SyscallSlot } from "./layout.js";

/** BPF_MAP_TYPE_STACK_TRACE (enum bpf_map_type, include/uapi/linux/bpf.h); not in the toolkit's MapType subset. */
export const MAP_TYPE_STACK_TRACE = 7;
/** Frames kept per kernel stack (≤ kernel.perf_event_max_stack, 127 by default). */
export const STACK_DEPTH = 64;

/** Loop-gap's per-thread entries (LoopGapProbe.companion), where the accounting lives. */
export interface RunCauseThreads {
  readonly threads: BpfMap;
  /** Where the COMPANION block starts in a threads value. */
  readonly offset: number;
  /** Bytes reserved there: at least COMPANION.size. */
  readonly bytes: number;
  readonly tidBits: BpfMap;
  readonly pidNamespace: PidNamespace | undefined;
  /** Loop-gap in raw_syscalls mode: the raw_syscalls programs go in these tail-call slots instead of being attached. */
  readonly syscallTailCalls?: { readonly map: ProgArray; readonly enter: number; readonly exit: number } | undefined;
}

export interface RunCauseConfig {
  readonly threads: RunCauseThreads;
  /** Syscall numbers whose time counts as futex wait (the architecture's futex, futex_waitv, futex_wait). */
  futexNrs: readonly number[];
  /** Syscall numbers of the epoll waits: raw_syscalls programs ignore them (they always end a phase). */
  epollNrs?: readonly number[];
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

const MAX_THREADS = 16384;

export class RunCauseProbe {
  /** How raw_syscalls is traced: tail calls of loop-gap's raw_syscalls programs (cheapest), raw tracepoints, or perf tracepoints (fallback). */
  readonly syscallVia: "loop-gap" | "raw" | "perf";
  /** How sched_switch/sched_wakeup are traced: raw tracepoints (≥ 5.18 for prev_state) or perf tracepoints. */
  readonly schedVia: "raw" | "perf";
  /** Why a cheaper attach path was not taken (for --verbose / doctor). */
  readonly notes: readonly string[];
  readonly #threads: RunCauseThreads;
  readonly #tasks: BpfMap;
  readonly #stacks: BpfMap;
  readonly #owned: Closable[];
  #walker: MapWalker | undefined;
  #closed = false;

  private constructor(p: { threads: RunCauseThreads; tasks: BpfMap; stacks: BpfMap; owned: Closable[]; syscallVia: "loop-gap" | "raw" | "perf"; schedVia: "raw" | "perf"; notes: string[] }) {
    this.notes = p.notes;
    this.syscallVia = p.syscallVia;
    this.schedVia = p.schedVia;
    this.#threads = p.threads;
    this.#tasks = p.tasks;
    this.#stacks = p.stacks;
    this.#owned = p.owned;
  }

  /** Build, load and attach. Throws ToolError; everything opened so far is closed on failure. */
  static open(c: RunCauseConfig): RunCauseProbe {
    if (c.threads.bytes < COMPANION.size) {
      throw new ToolError("usage", `open run-cause probe: ${c.threads.bytes} companion bytes in the loop-gap probe, ${COMPANION.size} needed`);
    }
    const owned: Closable[] = [];
    const own = <T extends Closable>(r: T): T => (owned.push(r), r);
    try {
      const maps = {
        threads: c.threads.threads,
        tidBits: c.threads.tidBits,
        stacks: own(new BpfMap({ type: MAP_TYPE_STACK_TRACE, name: "rc_stacks", keySize: 4, valueSize: 8 * STACK_DEPTH, maxEntries: c.stackEntries ?? 2048 })),
        tasks: own(new BpfMap({ type: MapType.Hash, name: "rc_tasks", keySize: 8, valueSize: 4, maxEntries: MAX_THREADS })),
        taskBits: own(arrayMap("rc_taskbits", TASK_FILTER_BYTES, 1)),
        pending: own(new PerCpuArray("rc_pending", 8, 1)),
      };
      const layout: RunCauseLayout = { base: c.threads.offset, ...(c.threads.pidNamespace === undefined ? {} : { pidNamespace: c.threads.pidNamespace }) };
      const notes: string[] = [];
      const schedVia = attachSched(maps, layout, own, c.perfSched === true, notes);
      const tail = c.perfSyscalls === true ? undefined : c.threads.syscallTailCalls;
      const syscallVia = tail !== undefined
        ? (tailCallSyscalls(maps, layout, c.futexNrs, c.epollNrs ?? [], tail, own), "loop-gap" as const)
        : attachSyscalls(maps, layout, c.futexNrs, c.epollNrs ?? [], own, c.perfSyscalls === true, notes);
      return new RunCauseProbe({ threads: c.threads, tasks: maps.tasks, stacks: maps.stacks, owned, syscallVia, schedVia, notes });
    } catch (e) {
      for (const r of owned.reverse()) r.close();
      throw wrap("open run-cause probe", e);
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

  /** Forget task pointers of threads loop-gap no longer has. Returns how many went. */
  prune(): number {
    if (this.#gone()) return 0;
    let n = 0;
    for (const key of this.#tasks.keys()) {
      const tid = this.#tasks.lookup(key);
      if ((tid === undefined || this.#threads.threads.lookup(tid) === undefined) && this.#tasks.delete(key)) n++;
    }
    return n;
  }

  /** Threads inside a run phase now, with the syscall they are in (as far as this probe has seen the phase). */
  phaseThreads(): PhaseThread[] {
    if (this.#gone()) return [];
    // called every few ms (the GIL observer): a walker that allocates nothing per entry
    this.#walker ??= new MapWalker(this.#threads.threads.fd, 4, this.#threads.threads.spec.valueSize);
    const out: PhaseThread[] = [];
    const at = (o: number) => this.#threads.offset + o;
    this.#walker.forEach((key, v) => {
      const runStartNs = v.readBigUInt64LE(LG_THREAD.runStart);
      if (runStartNs === 0n) return;
      const mine = v.readBigUInt64LE(at(COMPANION.phase)) === runStartNs;
      const sysStart = mine ? v.readBigUInt64LE(at(COMPANION.curSysStart)) : 0n;
      const nr = v.readBigInt64LE(at(COMPANION.curNr));
      out.push({ pid: v.readUInt32LE(LG_THREAD.tgid), tid: key.readUInt32LE(0), runStartNs, syscallNr: sysStart === 0n || nr < 0n ? null : Number(nr) });
    });
    return out;
  }

  /** Kernel ids of this probe's programs (leak checks, bpftool). */
  programIds(): number[] {
    return this.#owned.filter((r): r is Program => r instanceof Program).map((p) => p.id);
  }

  /** Detach and free everything this probe owns (not loop-gap's maps). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of [...this.#owned].reverse()) r.close();
  }

  /** Closed, or loop-gap's maps are (it may be closed first: its events end the session). */
  #gone(): boolean {
    return this.#closed || this.#threads.threads.fd < 0;
  }

  /** Resolves once every fd is released (close() releases them synchronously). */
  async whenClosed(): Promise<void> {
    await Promise.resolve();
  }
}

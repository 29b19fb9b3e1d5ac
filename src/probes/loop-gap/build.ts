// Create the maps, assemble and load the programs, attach them to every wait syscall. Everything
// is owned by the returned parts; on failure what was opened so far is closed here.
import { ToolError, wrap } from "../../errors.js";
import { BpfMap, MmapArray, PerCpuArray, ProgArray, arrayMap, hashMap, u32Key } from "../../bpf/map.js";
import { Program } from "../../bpf/program.js";
import { TracepointLink } from "../../bpf/link.js";
import { PROG_TYPE_RAW_TRACEPOINT, RawTracepointLink } from "../../bpf/raw-tracepoint.js";
import { RingBuffer } from "../../bpf/ringbuf.js";
import { probeFeature } from "../../bpf/features.js";
import { monotonicNs } from "../../bpf/clock.js";
import { enterProgram, exitProgram, type LoopGapMaps } from "./program.js";
import { COUNTERS, THREAD, THREAD_HIST, TID_FILTER_BYTES, TOTALS } from "./layout.js";
import { exitTaskProgram, forkProgram } from "./descendants.js";
import { readTracepoint } from "../../bpf/tracefs.js";
import { toolPidNamespace, type PidNamespace } from "./nspid.js";
import { BUCKETS } from "./histogram.js";
import { kindKey, traceableWaitSyscalls, type TraceableWait, type WaitSyscall } from "./syscalls.js";
import { COMPANION_RING_BYTES, DEFAULT_RING_BYTES, type LoopGapConfig } from "./config.js";
import { TGID_FILTER_BYTES, rawEnterProgram, rawExitProgram, rawWaits, type RawMaps } from "./raw-syscalls.js";

const MAX_TARGETS = 1024;
const MAX_THREADS = 16384;

export interface Closable {
  close(): void;
}

export interface ProbeParts {
  readonly maps: { readonly targets: BpfMap; readonly threads: BpfMap; readonly counters: BpfMap; readonly tidBits: BpfMap };
  /** config.companionBytes (0: none). */
  readonly companionBytes: number;
  readonly ring: RingBuffer | undefined;
  readonly totals: PerCpuArray | undefined;
  readonly hist: MmapArray | undefined;
  readonly threadHist: BpfMap | undefined;
  /** sched_process_fork/exit are attached: descendants are followed in the kernel. */
  readonly followsForks: boolean;
  /** The PID namespace of every id in maps and events; undefined: the initial one. */
  readonly pidNamespace: PidNamespace | undefined;
  /** raw_syscalls mode (config.rawSyscalls, when it could be had): the companion's tail-call slots and the tgid filter. */
  readonly raw: { readonly tailCalls: ProgArray; readonly tgidBits: MmapArray } | undefined;
  /** Why config.rawSyscalls was not honoured (the per-syscall tracepoints are used instead). */
  readonly notes: readonly string[];
  /** Links after the programs after the maps: close in reverse order. */
  readonly owned: readonly Closable[];
  readonly links: readonly Closable[];
  readonly syscalls: readonly WaitSyscall[];
  readonly armedAtNs: bigint;
}

export function buildProbe(config: LoopGapConfig): ProbeParts {
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
    // maps
    const companionBytes = config.companionBytes ?? 0;
    const maps = {
      targets: own(hashMap("lg_targets", 4, 4, MAX_TARGETS)),
      threads: own(hashMap("lg_threads", 4, THREAD.size + companionBytes, MAX_THREADS)),
      counters: own(arrayMap("lg_counters", COUNTERS.size, 1)),
      tidBits: own(arrayMap("lg_tidbits", TID_FILTER_BYTES, 1)),
    };
    const zero = own(arrayMap("lg_zero", THREAD.size + companionBytes, 1));
    // events with a companion are bigger: a larger default ring (≈ 2,900 events of 352 bytes in 1 MiB)
    const ringBytes = config.ringBufferBytes ?? (companionBytes > 0 ? COMPANION_RING_BYTES : DEFAULT_RING_BYTES);
    const ring = wantEvents ? own(new RingBuffer("lg_events", ringBytes)) : undefined;
    const totals = config.stats ? own(new PerCpuArray("lg_totals", TOTALS.size, 1)) : undefined;
    const hist = config.stats ? own(new MmapArray("lg_hist", 8 * BUCKETS, 1)) : undefined;
    const threadHist = config.threadHistograms === true ? own(hashMap("lg_thread_hist", 4, THREAD_HIST.size, MAX_THREADS)) : undefined;
    const threadHistZero = threadHist !== undefined ? own(arrayMap("lg_thread_zero", THREAD_HIST.size, 1)) : undefined;
    const ns = config.pidNamespace ?? toolPidNamespace();
    const forkTp = config.followForks === false ? undefined : readTracepoint("sched", "sched_process_fork");
    const exitTp = forkTp === undefined ? undefined : readTracepoint("sched", "sched_process_exit");
    const follow = forkTp !== undefined && exitTp !== undefined;
    const pending = follow && ns !== undefined ? own(hashMap("lg_pending", 4, 4, MAX_TARGETS)) : undefined;
    for (const pid of config.pids) maps.targets.update(u32Key(pid), u32Key(1));

    const options = {
      thresholdNs: config.thresholdNs, stats: config.stats, companionBytes, ...(config.tid === undefined ? {} : { tid: config.tid }), ...(ns === undefined ? {} : { pidNamespace: ns }),
    };
    const layout: LoopGapMaps = {
      ...maps, zero, ...(ring ? { events: ring } : {}), ...(totals ? { totals } : {}), ...(hist ? { hist } : {}),
      ...(threadHist && threadHistZero ? { threadHist, threadHistZero } : {}), ...(pending ? { pending } : {}),
    };
    const notes: string[] = [];
    const links: Closable[] = [];
    const raw = config.rawSyscalls === true ? attachRaw(layout, options, syscalls, ns, config.pids, own, links, notes) : undefined;
    if (raw === undefined) attachTracepoints(layout, options, syscalls, own, links);

    // descendants: fork before exit, so no entry is added that nothing would remove
    if (forkTp !== undefined && exitTp !== undefined) {
      const childPid = forkTp.fields.find((f) => f.name === "child_pid");
      if (childPid === undefined || childPid.size !== 4) throw new ToolError("not-supported", "read sched_process_fork format: no 4-byte child_pid");
      const groupDead = exitTp.fields.find((f) => f.name === "group_dead" && f.size === 1)?.offset;
      const dmaps = { targets: maps.targets, ...(pending ? { pending } : {}), ...(raw ? { tgidBits: raw.tgidBits } : {}) };
      const fork = own(Program.load({ name: "lg_fork", instructions: forkProgram(dmaps, { childPid: childPid.offset }, ns) }));
      const gone = own(Program.load({ name: "lg_task_exit", instructions: exitTaskProgram(dmaps, groupDead === undefined ? {} : { groupDead }, ns) }));
      for (const [program, tp] of [[fork, "sched_process_fork"], [gone, "sched_process_exit"]] as const) {
        const link = TracepointLink.attach(program, "sched", tp);
        if (link === undefined) throw new ToolError("not-supported", `attach sched/${tp}: the tracepoint vanished`);
        links.push(own(link));
      }
    }
    return { maps, companionBytes, ring, totals, hist, threadHist, followsForks: follow, pidNamespace: ns, raw, notes, owned, links, syscalls: syscalls.map((s) => s.name), armedAtNs: monotonicNs() };
  } catch (e) {
    for (const r of owned.reverse()) r.close();
    throw wrap("open loop-gap probe", e);
  }
}

type Own = <T extends Closable>(r: T) => T;
type Options = Parameters<typeof exitProgram>[1];

/** One exit program, one enter program per kind of wait, on each wait syscall's own tracepoints. */
function attachTracepoints(layout: LoopGapMaps, options: Options, syscalls: readonly TraceableWait[], own: Own, links: Closable[]): void {
  const exit = own(Program.load({ name: "lg_exit", instructions: exitProgram(layout, options) }));
  const enters = new Map<string, Program>();
  const enterFor = (s: TraceableWait): Program => {
    const key = kindKey(s.kind);
    let p = enters.get(key);
    if (p === undefined) {
      p = own(Program.load({ name: `lg_enter_${key}`, instructions: enterProgram(layout, options, s.kind) }));
      enters.set(key, p);
    }
    return p;
  };
  // enter before exit, so a run phase is never stamped without its end being watched
  for (const s of syscalls) {
    for (const [program, tp] of [[enterFor(s), `sys_enter_${s.name}`], [exit, `sys_exit_${s.name}`]] as const) {
      const link = TracepointLink.attach(program, "syscalls", tp);
      if (link === undefined) throw new ToolError("not-supported", `attach syscalls/${tp}: the tracepoint vanished`);
      links.push(own(link));
    }
  }
}

/**
 * raw_syscalls mode (raw-syscalls.ts): undefined, with a note, when it cannot be had here — a PID
 * namespace (its ids need a helper per syscall of the system, and forked children are adopted by
 * the wait programs), an architecture without a table, a kernel that refuses the programs.
 */
function attachRaw(
  layout: LoopGapMaps, options: Options, syscalls: readonly TraceableWait[], ns: PidNamespace | undefined, pids: readonly number[],
  own: Own, links: Closable[], notes: string[],
): { tailCalls: ProgArray; tgidBits: MmapArray } | undefined {
  if (ns !== undefined) {
    notes.push("wait syscalls traced through their own tracepoints: raw_syscalls mode is for the initial PID namespace");
    return undefined;
  }
  const w = rawWaits(process.arch, syscalls.map((s) => (s.kind.family === "fdset" ? { name: s.name, countArg: s.kind.countArg } : { name: s.name })));
  if (w === undefined) {
    notes.push(`wait syscalls traced through their own tracepoints: no raw_syscalls table for ${process.arch}`);
    return undefined;
  }
  const opened: Closable[] = [];
  const keep = <T extends Closable>(r: T): T => (opened.push(r), r);
  try {
    const tailCalls = keep(new ProgArray("lg_tail", 2));
    const tgidBits = keep(new MmapArray("lg_tgidbits", TGID_FILTER_BYTES, 1));
    const bits = new Uint8Array(tgidBits.view);
    for (const pid of pids) bits[pid & (TGID_FILTER_BYTES - 1)] = 1;
    const maps: RawMaps = { ...layout, tailCalls, tgidBits };
    const enter = keep(Program.load({ name: "lg_raw_enter", type: PROG_TYPE_RAW_TRACEPOINT, instructions: rawEnterProgram(maps, options, w.arch, w.waits) }));
    const exit = keep(Program.load({ name: "lg_raw_exit", type: PROG_TYPE_RAW_TRACEPOINT, instructions: rawExitProgram(maps, options, w.arch, w.waits) }));
    const rawLinks = [keep(RawTracepointLink.attach(enter, "sys_enter")), keep(RawTracepointLink.attach(exit, "sys_exit"))];
    for (const r of opened) own(r);
    links.push(...rawLinks);
    return { tailCalls, tgidBits };
  } catch (e) {
    for (const r of opened.reverse()) r.close();
    if (e instanceof ToolError && e.kind === "permission") throw e;
    notes.push(`wait syscalls traced through their own tracepoints: raw_syscalls refused: ${e instanceof ToolError ? e.chain() : String(e)}`);
    return undefined;
  }
}

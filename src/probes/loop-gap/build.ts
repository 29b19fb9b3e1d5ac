// Create the maps, assemble and load the programs, attach them to every wait syscall. Everything
// is owned by the returned parts; on failure what was opened so far is closed here.
import { ToolError, wrap } from "../../errors.js";
import { BpfMap, MmapArray, PerCpuArray, arrayMap, hashMap, u32Key } from "../../bpf/map.js";
import { Program } from "../../bpf/program.js";
import { TracepointLink } from "../../bpf/link.js";
import { RingBuffer } from "../../bpf/ringbuf.js";
import { probeFeature } from "../../bpf/features.js";
import { monotonicNs } from "../../bpf/clock.js";
import { enterProgram, exitProgram, type LoopGapMaps } from "./program.js";
import { COUNTERS, THREAD, THREAD_HIST, TID_FILTER_BYTES, TOTALS } from "./layout.js";
import { exitTaskProgram, forkProgram } from "./descendants.js";
import { readTracepoint } from "../../bpf/tracefs.js";
import { toolPidNamespace, type PidNamespace } from "./nspid.js";
import { BUCKETS } from "./histogram.js";
import { kindKey, traceableWaitSyscalls, type WaitSyscall } from "./syscalls.js";
import { COMPANION_RING_BYTES, DEFAULT_RING_BYTES, type LoopGapConfig } from "./config.js";

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
  /** Links after the programs after the maps: close in reverse order. */
  readonly owned: readonly Closable[];
  readonly links: readonly TracepointLink[];
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

    // programs: one exit program, one enter program per kind of wait
    const layout: LoopGapMaps = {
      ...maps, zero, ...(ring ? { events: ring } : {}), ...(totals ? { totals } : {}), ...(hist ? { hist } : {}),
      ...(threadHist && threadHistZero ? { threadHist, threadHistZero } : {}), ...(pending ? { pending } : {}),
    };
    const options = {
      thresholdNs: config.thresholdNs, stats: config.stats, companionBytes, ...(config.tid === undefined ? {} : { tid: config.tid }), ...(ns === undefined ? {} : { pidNamespace: ns }),
    };
    const exit = own(Program.load({ name: "lg_exit", instructions: exitProgram(layout, options) }));
    const enters = new Map<string, Program>();
    const enterFor = (s: (typeof syscalls)[number]): Program => {
      const key = kindKey(s.kind);
      let p = enters.get(key);
      if (p === undefined) {
        p = own(Program.load({ name: `lg_enter_${key}`, instructions: enterProgram(layout, options, s.kind) }));
        enters.set(key, p);
      }
      return p;
    };

    // attach: enter before exit, so a run phase is never stamped without its end being watched
    const links: TracepointLink[] = [];
    for (const s of syscalls) {
      for (const [program, tp] of [[enterFor(s), `sys_enter_${s.name}`], [exit, `sys_exit_${s.name}`]] as const) {
        const link = TracepointLink.attach(program, "syscalls", tp);
        if (link === undefined) throw new ToolError("not-supported", `attach syscalls/${tp}: the tracepoint vanished`);
        links.push(own(link));
      }
    }
    // descendants: fork before exit, so no entry is added that nothing would remove
    if (forkTp !== undefined && exitTp !== undefined) {
      const childPid = forkTp.fields.find((f) => f.name === "child_pid");
      if (childPid === undefined || childPid.size !== 4) throw new ToolError("not-supported", "read sched_process_fork format: no 4-byte child_pid");
      const groupDead = exitTp.fields.find((f) => f.name === "group_dead" && f.size === 1)?.offset;
      const dmaps = { targets: maps.targets, ...(pending ? { pending } : {}) };
      const fork = own(Program.load({ name: "lg_fork", instructions: forkProgram(dmaps, { childPid: childPid.offset }, ns) }));
      const gone = own(Program.load({ name: "lg_task_exit", instructions: exitTaskProgram(dmaps, groupDead === undefined ? {} : { groupDead }, ns) }));
      for (const [program, tp] of [[fork, "sched_process_fork"], [gone, "sched_process_exit"]] as const) {
        const link = TracepointLink.attach(program, "sched", tp);
        if (link === undefined) throw new ToolError("not-supported", `attach sched/${tp}: the tracepoint vanished`);
        links.push(own(link));
      }
    }
    return { maps, companionBytes, ring, totals, hist, threadHist, followsForks: follow, pidNamespace: ns, owned, links, syscalls: syscalls.map((s) => s.name), armedAtNs: monotonicNs() };
  } catch (e) {
    for (const r of owned.reverse()) r.close();
    throw wrap("open loop-gap probe", e);
  }
}

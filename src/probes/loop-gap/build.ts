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
import { COUNTERS, THREAD, TOTALS } from "./layout.js";
import { BUCKETS } from "./histogram.js";
import { kindKey, traceableWaitSyscalls, type WaitSyscall } from "./syscalls.js";
import { DEFAULT_RING_BYTES, type LoopGapConfig } from "./config.js";

const MAX_TARGETS = 1024;
const MAX_THREADS = 16384;

export interface Closable {
  close(): void;
}

export interface ProbeParts {
  readonly maps: { readonly targets: BpfMap; readonly threads: BpfMap; readonly counters: BpfMap };
  readonly ring: RingBuffer | undefined;
  readonly totals: PerCpuArray | undefined;
  readonly hist: MmapArray | undefined;
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
    const maps = {
      targets: own(hashMap("lg_targets", 4, 4, MAX_TARGETS)),
      threads: own(hashMap("lg_threads", 4, THREAD.size, MAX_THREADS)),
      counters: own(arrayMap("lg_counters", COUNTERS.size, 1)),
    };
    const ring = wantEvents ? own(new RingBuffer("lg_events", config.ringBufferBytes ?? DEFAULT_RING_BYTES)) : undefined;
    const totals = config.stats ? own(new PerCpuArray("lg_totals", TOTALS.size, 1)) : undefined;
    const hist = config.stats ? own(new MmapArray("lg_hist", 8 * BUCKETS, 1)) : undefined;
    for (const pid of config.pids) maps.targets.update(u32Key(pid), u32Key(1));

    // programs: one exit program, one enter program per kind of wait
    const layout: LoopGapMaps = { ...maps, ...(ring ? { events: ring } : {}), ...(totals ? { totals } : {}), ...(hist ? { hist } : {}) };
    const options = { thresholdNs: config.thresholdNs, stats: config.stats, ...(config.tid === undefined ? {} : { tid: config.tid }) };
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
    return { maps, ring, totals, hist, owned, links, syscalls: syscalls.map((s) => s.name), armedAtNs: monotonicNs() };
  } catch (e) {
    for (const r of owned.reverse()) r.close();
    throw wrap("open loop-gap probe", e);
  }
}

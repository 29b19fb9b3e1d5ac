// Cause accounting: what a loop thread did during each block (on CPU, off CPU and in which
// syscall, run queue, futex/GIL wait, the longest wait's kernel stack), measured in the kernel by
// the run-cause probe inside the detector's own per-thread entries and carried by its events: no
// second record to join, nothing to wait for.
import { ToolError, wrap } from "../errors.js";
import { monotonicNs } from "../bpf/clock.js";
import { openPython } from "../python/index.js";
import type { Cause } from "../report/model.js";
import type { LoopGapProbe, GapEvent } from "../probes/loop-gap/index.js";
import { COMPANION, RunCauseProbe, decodeCompanion, type RunRecord } from "../probes/run-cause/index.js";
import { buildCause } from "./build.js";
import { GilObserver } from "./gil.js";
import { loadKallsyms, preloadKallsyms } from "./kallsyms.js";
import { archOf, epollWaitNumbers, futexNumbers, type Arch } from "./syscalls.js";

export { summarize, formatMs } from "./summary.js";

/** Open the loop-gap probe with this many companion bytes for cause accounting to work on it. */
export const CAUSE_COMPANION_BYTES = COMPANION.size;

export interface CauseOptions {
  /** The detector, opened with companionBytes ≥ CAUSE_COMPANION_BYTES; it must outlive this. */
  probe: LoopGapProbe;
  /** Processes whose GIL holder is read (python: true); more with addPid. */
  pids: readonly number[];
  /** GIL attribution via the Python reader (default false). */
  python?: boolean;
  /** Trace through perf tracepoints even where raw tracepoints work (tests, bench). */
  perf?: boolean;
  /**
   * How often the GIL observer looks for a loop thread in a futex wait when none was seen lately
   * (default GIL_IDLE_POLL_MS); a quarter of the block threshold or less, so a block's GIL wait is
   * seen well inside it.
   */
  gilIdlePollMs?: number;
}

/** GIL sampling period while a loop thread waits on a futex inside a phase, and GIL_FAST_HOLD_MS after. */
export const GIL_POLL_MS = 5;
/**
 * With no loop thread in a futex wait lately, the observer looks four times less often: it walks
 * the threads map at each look (a healthy loop's tool spent ~0.7 % of a core on the 5 ms walk,
 * 14:10 today). A GIL wait is then first seen up to this late, then every GIL_POLL_MS.
 */
export const GIL_IDLE_POLL_MS = 20;
/** How long the fast period lasts after the last futex wait seen (a GIL waiter gets the GIL for a
 * switch interval, 5 ms by default, between its waits: it must not drop the pace each time). */
export const GIL_FAST_HOLD_MS = 250;
/** How often task pointers of threads that are gone are dropped. */
export const PRUNE_MS = 5000;

/**
 * The stack is taken inside our own sched_switch program: drop the frames of the tracing
 * machinery above the scheduler (bpf_prog_…, bpf_trace_run*, __traceiter_* / __bpf_trace_*), so
 * the stack starts where the thread went to sleep (__schedule). Linux 6.18 names.
 */
export function trimTracing(frames: readonly string[]): string[] {
  let i = 0;
  while (i < frames.length && /^(bpf_prog_|bpf_trace_run|__traceiter_|__bpf_trace_|trace_call_bpf|perf_trace_)/.test(frames[i] ?? "")) i++;
  return frames.slice(i);
}

export class CauseAccounting {
  readonly #probe: RunCauseProbe;
  readonly #arch: Arch;
  readonly #gil: GilObserver | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #pruner: NodeJS.Timeout;
  /** Blocks that started before this were not watched from their start: no cause for them. */
  readonly armedAtNs: bigint;
  #closed = false;

  private constructor(probe: RunCauseProbe, arch: Arch, gil: GilObserver | undefined, idlePollMs: number) {
    this.#probe = probe;
    this.#arch = arch;
    this.#gil = gil;
    this.armedAtNs = monotonicNs();
    // Both timers are best effort: a map read that fails (never seen) stops that timer rather than
    // ending the session with an uncaught exception; detection and the accounting go on.
    this.#pruner = setInterval(() => {
      try {
        probe.prune();
      } catch {
        clearInterval(this.#pruner);
      }
    }, PRUNE_MS);
    this.#pruner.unref();
    if (gil !== undefined) {
      let fastUntilNs = 0n;
      const look = () => {
        if (this.#closed) return;
        const now = monotonicNs();
        let threads;
        try {
          threads = probe.phaseThreads();
        } catch {
          return; // no GIL holders from here on (blocks still say how long they waited)
        }
        gil.observe(threads, now);
        if (gil.anyWaiting(threads)) fastUntilNs = now + BigInt(GIL_FAST_HOLD_MS) * 1_000_000n;
        this.#timer = setTimeout(look, now < fastUntilNs ? GIL_POLL_MS : idlePollMs);
        this.#timer.unref();
      };
      this.#timer = setTimeout(look, GIL_POLL_MS);
      this.#timer.unref();
    }
  }

  /** Load and attach the run-cause programs on the detector's per-thread entries. Throws ToolError. */
  static open(o: CauseOptions): CauseAccounting {
    const arch = archOf(process.arch);
    if (arch === undefined) throw new ToolError("not-supported", `open cause accounting: no syscall table for ${process.arch}`);
    const threads = o.probe.companion;
    if (threads === undefined) throw new ToolError("internal", `open cause accounting: the loop-gap probe has no companion bytes (open it with companionBytes: ${CAUSE_COMPANION_BYTES})`);
    const futexNrs = futexNumbers(arch);
    let probe: RunCauseProbe;
    try {
      probe = RunCauseProbe.open({ threads, futexNrs, epollNrs: epollWaitNumbers(arch), ...(o.perf === true ? { perfSched: true, perfSyscalls: true } : {}) });
    } catch (e) {
      throw wrap("open cause accounting", e);
    }
    // symbols for kernel stacks, read now rather than at the first off-CPU block, while it is sampled
    void preloadKallsyms();
    const gil = o.python === true ? new GilObserver(futexNrs) : undefined;
    const idle = Math.min(GIL_IDLE_POLL_MS, Math.max(GIL_POLL_MS, o.gilIdlePollMs ?? GIL_IDLE_POLL_MS));
    const c = new CauseAccounting(probe, arch, gil, idle);
    for (const pid of o.pids) c.#openReader(pid);
    return c;
  }

  addPid(pid: number): void {
    if (this.#closed) throw new ToolError("internal", "add pid: cause accounting is closed");
    this.#openReader(pid);
  }

  /**
   * The cause of this gap, from the accounting the detector's event carries; null when the event
   * has none or the block began before cause accounting was attached.
   */
  cause(gap: GapEvent): Cause | null {
    if (gap.companion === undefined || gap.startNs < this.armedAtNs || this.#closed) return null;
    return this.#build(decodeCompanion(gap.companion, gap));
  }

  /** How events are traced: syscalls as tail calls of loop-gap's raw_syscalls programs, raw tracepoints, or perf tracepoints where the kernel refused those. */
  get via(): { syscalls: "loop-gap" | "raw" | "perf"; sched: "raw" | "perf" } {
    return { syscalls: this.#probe.syscallVia, sched: this.#probe.schedVia };
  }

  /** Why a cheaper attach path was not taken on this kernel (empty when all is raw tracepoints). */
  get notes(): readonly string[] {
    return this.#probe.notes;
  }

  /** Kernel ids of the programs (leak checks). */
  programIds(): number[] {
    return this.#probe.programIds();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    clearInterval(this.#pruner);
    this.#probe.close();
    this.#gil?.close();
  }

  /** Resolves once every fd is released. */
  async whenClosed(): Promise<void> {
    await this.#probe.whenClosed();
  }

  #build(r: RunRecord): Cause {
    let stack: string[] | null = null;
    if (r.longestOffStackid !== null) {
      const ips = this.#probe.kernelStack(r.longestOffStackid);
      if (ips !== undefined) {
        const syms = loadKallsyms();
        stack = trimTracing(ips.map((ip) => syms.describe(ip)));
      }
    }
    const futexMs = Number(r.futexNs) / 1e6;
    const gil = this.#gil !== undefined && r.futexNs > 0n ? this.#gil.holderDuring(r.pid, r.tid, r.startNs, r.endNs, futexMs) : null;
    return buildCause(r, this.#arch, stack, gil);
  }

  #openReader(pid: number): void {
    if (this.#gil === undefined) return;
    try {
      this.#gil.addReader(pid, openPython(pid));
    } catch (e) {
      // Not a Python process (or an unsupported one): no GIL attribution for it, the rest works.
      if (!(e instanceof ToolError)) throw e;
    }
  }
}

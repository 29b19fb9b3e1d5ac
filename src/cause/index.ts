// Cause accounting: what a loop thread did during each block (on CPU, off CPU and in which
// syscall, run queue, futex/GIL wait, the longest wait's kernel stack), measured in the kernel by
// the run-cause probe and joined here with the detector's gap (join rule: join.ts).
import { ToolError, wrap } from "../errors.js";
import { monotonicNs } from "../bpf/clock.js";
import { openPython } from "../python/index.js";
import type { Cause } from "../report/model.js";
import { RunCauseProbe } from "../probes/run-cause/index.js";
import type { RunRecord } from "../probes/run-cause/layout.js";
import { buildCause } from "./build.js";
import { GilObserver } from "./gil.js";
import { RecordStore, type GapKey } from "./join.js";
import { loadKallsyms } from "./kallsyms.js";
import { archOf, epollWaitNumbers, futexNumbers, type Arch } from "./syscalls.js";

export { summarize, formatMs } from "./summary.js";
export { JOIN_TOLERANCE_NS } from "./join.js";

export interface CauseOptions {
  pids: readonly number[];
  tid?: number;
  thresholdNs: bigint;
  /** GIL attribution via the Python reader (default false). */
  python?: boolean;
}

/** How long cause() waits for a record that has not arrived yet. */
export const RECORD_WAIT_MS = 50;
/** The run-cause probe emits phases this much shorter than the threshold, so every gap has its record. */
export const THRESHOLD_SLACK_NS = 200_000n;
/** GIL sampling period while a loop thread waits on a futex inside a phase. */
export const GIL_POLL_MS = 5;
/** How often exited threads are dropped from the kernel's per-thread map. */
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
  readonly #store = new RecordStore();
  readonly #gil: GilObserver | undefined;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #pruner: NodeJS.Timeout;
  #waiters: Array<() => void> = [];
  #closed = false;

  private constructor(probe: RunCauseProbe, arch: Arch, gil: GilObserver | undefined) {
    this.#probe = probe;
    this.#arch = arch;
    this.#gil = gil;
    probe.onRecord((r) => this.#add(r));
    this.#pruner = setInterval(() => probe.prune(), PRUNE_MS);
    this.#pruner.unref();
    if (gil !== undefined) {
      this.#timer = setInterval(() => gil.observe(probe.phaseThreads(), monotonicNs()), GIL_POLL_MS);
      this.#timer.unref();
    }
  }

  /** Load and attach the run-cause probe. Throws ToolError. */
  static async open(o: CauseOptions): Promise<CauseAccounting> {
    const arch = archOf(process.arch);
    if (arch === undefined) throw new ToolError("not-supported", `open cause accounting: no syscall table for ${process.arch}`);
    if (o.thresholdNs < 0n) throw new ToolError("usage", "open cause accounting: negative threshold");
    const futexNrs = futexNumbers(arch);
    const thresholdNs = o.thresholdNs > THRESHOLD_SLACK_NS ? o.thresholdNs - THRESHOLD_SLACK_NS : 0n;
    let probe: RunCauseProbe;
    try {
      probe = RunCauseProbe.open({ pids: o.pids, ...(o.tid === undefined ? {} : { tid: o.tid }), thresholdNs, futexNrs, epollNrs: epollWaitNumbers(arch) });
    } catch (e) {
      throw wrap("open cause accounting", e);
    }
    const gil = o.python === true ? new GilObserver(futexNrs) : undefined;
    const c = new CauseAccounting(probe, arch, gil);
    for (const pid of o.pids) c.#openReader(pid);
    return c;
  }

  addPid(pid: number): void {
    if (this.#closed) throw new ToolError("internal", "add pid: cause accounting is closed");
    this.#probe.addPid(pid);
    this.#openReader(pid);
  }

  /** The cause of this gap (same pid/tid/window), waiting (bounded, ≤ RECORD_WAIT_MS) for its record. */
  async cause(gap: GapKey): Promise<Cause | null> {
    const deadline = Date.now() + RECORD_WAIT_MS;
    for (;;) {
      const r = this.#store.take(gap);
      if (r !== undefined) return this.#build(r);
      const left = deadline - Date.now();
      if (left <= 0 || this.#closed) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Why a cheaper attach path was not taken on this kernel (empty when all is raw tracepoints). */
  get notes(): readonly string[] {
    return this.#probe.notes;
  }

  /** Records the kernel could not deliver (ring buffer full). */
  dropped(): bigint {
    return this.#probe.dropped();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    clearInterval(this.#pruner);
    this.#probe.close();
    this.#gil?.close();
    this.#wake();
  }

  /** Resolves once every fd is released. */
  async whenClosed(): Promise<void> {
    await this.#probe.whenClosed();
  }

  #add(r: RunRecord): void {
    this.#store.add(r);
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const fn of w) fn();
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

// Who held the GIL while a loop thread waited on a futex: sampled during the block.
//
// The wait is visible in the kernel (the loop thread is inside a futex syscall in a run phase);
// the holder is not: it is a Python fact (_PyRuntime / interp->ceval.gil, read by python/). So
// while any loop thread sits in a futex inside a phase, a timer asks the Python reader for the
// GIL holder and its stack, and keeps the observation with its CLOCK_MONOTONIC time. A block's
// holder is the one observed most often inside its window.
import type { PythonProcess } from "../python/index.js";
import type { GilCause, ReportFrame } from "../report/model.js";
import type { PhaseThread } from "../probes/run-cause/index.js";

export interface GilObservation {
  pid: number;
  waiterTid: number;
  atNs: bigint;
  holderTid: number;
  holderName: string | null;
  holderFrames: ReportFrame[];
}

/** Observations kept per process (a ring: the oldest go first). */
export const KEEP_OBSERVATIONS = 4096;

export class GilObserver {
  readonly #readers = new Map<number, PythonProcess>();
  readonly #seen: GilObservation[] = [];
  readonly #futexNrs: ReadonlySet<number>;

  constructor(futexNrs: readonly number[]) {
    this.#futexNrs = new Set(futexNrs);
  }

  addReader(pid: number, reader: PythonProcess): void {
    this.#readers.get(pid)?.close();
    this.#readers.set(pid, reader);
  }

  /** Whether any of these threads (in a phase now) is in a futex wait of a process read here. */
  anyWaiting(threads: readonly PhaseThread[]): boolean {
    return threads.some((t) => t.syscallNr !== null && this.#futexNrs.has(t.syscallNr) && this.#readers.has(t.pid));
  }

  /** One sampling pass over the threads in a phase now. Never throws for a bad read. */
  observe(threads: readonly PhaseThread[], nowNs: bigint): number {
    let n = 0;
    const holders = new Map<number, { tid: number; name: string | null; frames: ReportFrame[] } | null>();
    for (const t of threads) {
      if (t.syscallNr === null || !this.#futexNrs.has(t.syscallNr)) continue;
      const reader = this.#readers.get(t.pid);
      if (reader === undefined) continue;
      let holder = holders.get(t.pid);
      if (holder === undefined) {
        holder = readHolder(reader);
        holders.set(t.pid, holder);
      }
      if (holder === null || holder.tid === t.tid) continue;
      this.#seen.push({ pid: t.pid, waiterTid: t.tid, atNs: nowNs, holderTid: holder.tid, holderName: holder.name, holderFrames: holder.frames });
      n++;
    }
    if (this.#seen.length > KEEP_OBSERVATIONS) this.#seen.splice(0, this.#seen.length - KEEP_OBSERVATIONS);
    return n;
  }

  /** The GIL holder of `tid`'s futex waits inside [startNs, endNs], or null when none was seen. */
  holderDuring(pid: number, tid: number, startNs: bigint, endNs: bigint, waitMs: number): GilCause | null {
    const inside = this.#seen.filter((o) => o.pid === pid && o.waiterTid === tid && o.atNs >= startNs && o.atNs <= endNs);
    if (inside.length === 0) return null;
    const counts = new Map<number, number>();
    for (const o of inside) counts.set(o.holderTid, (counts.get(o.holderTid) ?? 0) + 1);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    // the latest observation with a stack: a read that caught the holder between frames has none
    const ofTop = inside.filter((o) => o.holderTid === top);
    const last = ofTop.filter((o) => o.holderFrames.length > 0).at(-1) ?? ofTop.at(-1);
    if (last === undefined) return null;
    return { waitMs, holderTid: last.holderTid, holderName: last.holderName, holderFrames: last.holderFrames };
  }

  close(): void {
    for (const r of this.#readers.values()) r.close();
    this.#readers.clear();
    this.#seen.length = 0;
  }
}

function readHolder(reader: PythonProcess): { tid: number; name: string | null; frames: ReportFrame[] } | null {
  try {
    // threads() reads names and the GIL holder in one pass (sampleThread leaves both out)
    const s = reader.threads().find((x) => x.holdsGil);
    if (s === undefined) return null;
    const frames: ReportFrame[] = s.frames.map((f) => ({
      function: f.function, file: f.file, line: f.line, source: f.line === null ? null : reader.sourceLine(f.file, f.line),
    }));
    return { tid: s.tid, name: s.name, frames };
  } catch {
    return null; // a torn or failed read is no observation; the next tick tries again
  }
}

// Joining a detector gap with its run-cause record.
//
// Join rule: same pid and tid, and both the start and the end within JOIN_TOLERANCE_NS. The two
// probes read ktime separately, but their programs sit on the same tracepoints
// (sys_exit_<wait> opens a phase, sys_enter_<wait> closes it) and run back to back in one
// trace_call_bpf pass over the tracepoint's prog_array (linux 6.18 kernel/trace/bpf_trace.c), so
// the two clocks differ by the run time of one small program: well under a microsecond to a few.
// When several records qualify, the closest wins.
import type { RunRecord } from "../probes/run-cause/layout.js";

export const JOIN_TOLERANCE_NS = 50_000n;
/** Records kept per thread while waiting for their gap; older ones are dropped. */
export const KEEP_PER_THREAD = 64;

export interface GapKey {
  pid: number;
  tid: number;
  startNs: bigint;
  endNs: bigint;
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v);

export function joins(r: RunRecord, g: GapKey): boolean {
  return r.pid === g.pid && r.tid === g.tid && abs(r.startNs - g.startNs) <= JOIN_TOLERANCE_NS && abs(r.endNs - g.endNs) <= JOIN_TOLERANCE_NS;
}

/** Records by thread, bounded; take() removes the match. */
export class RecordStore {
  readonly #byTid = new Map<number, RunRecord[]>();

  add(r: RunRecord): void {
    let list = this.#byTid.get(r.tid);
    if (list === undefined) this.#byTid.set(r.tid, (list = []));
    list.push(r);
    if (list.length > KEEP_PER_THREAD) list.splice(0, list.length - KEEP_PER_THREAD);
  }

  take(g: GapKey): RunRecord | undefined {
    const list = this.#byTid.get(g.tid);
    if (list === undefined) return undefined;
    let best = -1;
    let bestDist = 0n;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if (r === undefined || !joins(r, g)) continue;
      const d = abs(r.startNs - g.startNs) + abs(r.endNs - g.endNs);
      if (best < 0 || d < bestDist) [best, bestDist] = [i, d];
    }
    if (best < 0) return undefined;
    const [r] = list.splice(best, 1);
    // records that ended before this gap started belong to gaps nobody asked about
    const kept = list.filter((x) => x.endNs >= g.startNs);
    this.#byTid.set(g.tid, kept);
    return r;
  }

  get size(): number {
    let n = 0;
    for (const l of this.#byTid.values()) n += l.length;
    return n;
  }
}

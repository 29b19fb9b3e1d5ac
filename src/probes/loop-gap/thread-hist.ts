// The per-thread gap buckets of LoopGapProbe (config.threadHistograms): the kernel's map, plus the
// final counts of threads that exited, kept while their process is traced.
import { existsSync } from "node:fs";
import type { BpfMap } from "../../bpf/map.js";
import { decodeThreadHist, THREAD_HIST, type ThreadGapStats } from "./layout.js";

export class ThreadHistograms {
  readonly #map: BpfMap;
  /** Final buckets of threads that exited, by tid, until their process stops being traced. */
  readonly #retired = new Map<number, ThreadGapStats>();

  constructor(map: BpfMap) {
    this.#map = map;
  }

  /** Forget every thread of `pid`. */
  removePid(pid: number): void {
    for (const key of this.#map.keys()) {
      if (this.#map.lookup(key)?.readUInt32LE(THREAD_HIST.tgid) === pid) this.#map.delete(key);
    }
    for (const [tid, r] of this.#retired) if (r.pid === pid) this.#retired.delete(tid);
  }

  /**
   * Move the entries of threads that exited to the retired list (their final counts) and drop the
   * retired threads of processes not in `traced`. Returns how many map entries went.
   */
  prune(traced: ReadonlySet<number>): number {
    let n = 0;
    for (const key of this.#map.keys()) {
      const v = this.#map.lookup(key);
      if (v === undefined) continue;
      const tid = key.readUInt32LE(0);
      const final = decodeThreadHist(tid, v); // a dead thread's entry no longer changes
      if (!existsSync(`/proc/${final.pid}/task/${tid}`) && this.#map.delete(key)) {
        this.#retired.set(tid, final);
        n++;
      }
    }
    for (const [tid, r] of this.#retired) if (!traced.has(r.pid)) this.#retired.delete(tid);
    return n;
  }

  /** Live threads' buckets (one map read each) and the retired ones, by pid then tid. */
  stats(): ThreadGapStats[] {
    const out: ThreadGapStats[] = [];
    const live = new Set<number>();
    for (const key of this.#map.keys()) {
      const v = this.#map.lookup(key);
      if (v === undefined) continue;
      const tid = key.readUInt32LE(0);
      live.add(tid);
      out.push(decodeThreadHist(tid, v));
    }
    for (const [tid, r] of this.#retired) {
      if (live.has(tid)) this.#retired.delete(tid); // the tid was taken by a new thread
      else out.push(r);
    }
    return out.sort((a, b) => a.pid - b.pid || a.tid - b.tid);
  }
}

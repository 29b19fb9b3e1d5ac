// store: the samples the correlator may still need, per thread, in capture order. Retention is by
// time and by run phase, never by a fixed count of recent samples (the original tool's 256-entry
// ring lost the start of long blocks): a sample lives while its run phase is recent or a block
// waiting for attribution may cover it, and a hard cap per thread keeps memory flat regardless.
import type { SampleFrame, StackSample } from "../sampler/types.js";

export interface StoreLimits {
  /** How long after its run phase was last sampled a sample is kept for a late block event. */
  retentionNs: bigint;
  /** Hard cap per thread; the oldest samples go first (counted in `evicted`). */
  maxSamplesPerThread: number;
}

/** A distinct stack, shared by every sample that saw it (interned by its key). */
export interface InternedStack {
  key: string;
  frames: SampleFrame[];
  refs: number;
}

export interface StoredSample {
  captureNs: bigint;
  phaseStartNs: bigint;
  stack: InternedStack | null; // null: torn or no Python frames
  sample: StackSample;
}

class ThreadSamples {
  items: Array<StoredSample | undefined> = []; // undefined: removed, before head
  head = 0; // items before head are removed; compacted lazily so removal stays O(1) amortised
  readonly phaseLastNs = new Map<bigint, bigint>(); // run phase start → its last capture
  lastNs = 0n; // the latest capture added: an emptied thread is forgotten once this is old

  constructor(
    readonly pid: number,
    readonly tid: number,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }
}

export function stackKey(frames: readonly SampleFrame[]): string {
  // \u0000 and \u0001 cannot occur in Python identifiers or the paths CPython reports.
  return frames.map((f) => `${f.function}\u0000${f.file}\u0000${f.line ?? ""}`).join("\u0001");
}

// A number, not a string built per sample: pid and tid are < 2^22 (PID_MAX_LIMIT), so the key
// is exact below 2^44.
const threadKey = (pid: number, tid: number) => pid * 0x40_0000 + tid;

/** Each array of frames the sampler hands over is shared by the samples of its batch: one key each. */
const keyOf = new WeakMap<readonly SampleFrame[], string>();

export class SampleStore {
  private readonly threads = new Map<number, ThreadSamples>();
  private readonly stacks = new Map<string, InternedStack>();
  evicted = 0;

  constructor(private readonly limits: StoreLimits) {}

  add(s: StackSample): void {
    const k = threadKey(s.pid, s.tid);
    let t = this.threads.get(k);
    if (t === undefined) {
      t = new ThreadSamples(s.pid, s.tid);
      this.threads.set(k, t);
    }
    if (s.captureNs > t.lastNs) t.lastNs = s.captureNs;
    const stored: StoredSample = { captureNs: s.captureNs, phaseStartNs: s.phaseStartNs, stack: this.intern(s), sample: s };
    const last = t.items[t.items.length - 1];
    if (last === undefined || t.size === 0 || last.captureNs <= s.captureNs) t.items.push(stored);
    else t.items.splice(lowerBound(t.items, t.head, s.captureNs + 1n), 0, stored); // out of order: keep sorted
    const prev = t.phaseLastNs.get(s.phaseStartNs);
    if (prev === undefined || prev < s.captureNs) t.phaseLastNs.set(s.phaseStartNs, s.captureNs);
    while (t.size > this.limits.maxSamplesPerThread) {
      this.removeHead(t);
      this.evicted++;
    }
    this.compact(t);
  }

  /** Samples of exactly this pid+tid with startNs ≤ captureNs ≤ endNs, in capture order. */
  window(pid: number, tid: number, startNs: bigint, endNs: bigint): StoredSample[] {
    const t = this.threads.get(threadKey(pid, tid));
    if (t === undefined) return [];
    const out: StoredSample[] = [];
    for (let i = lowerBound(t.items, t.head, startNs); i < t.items.length; i++) {
      const s = t.items[i];
      if (s === undefined || s.captureNs > endNs) break;
      out.push(s);
    }
    return out;
  }

  /**
   * Drops samples whose run phase was last sampled more than retentionNs before `nowNs`, except
   * those at or after `keepFrom(pid, tid)` (the start of the oldest block still being attributed).
   */
  prune(nowNs: bigint, keepFrom: (pid: number, tid: number) => bigint | undefined): void {
    for (const [k, t] of this.threads) {
      const floor = keepFrom(t.pid, t.tid);
      for (;;) {
        const h = t.items[t.head];
        if (h === undefined) break;
        if (floor !== undefined && h.captureNs >= floor) break;
        const lastNs = t.phaseLastNs.get(h.phaseStartNs) ?? h.captureNs;
        if (nowNs - lastNs <= this.limits.retentionNs) break; // phases are in order: later ones are newer
        this.removeHead(t);
      }
      this.compact(t);
      // An emptied thread stays while it is being sampled (no new entry for each block)
      if (t.size === 0 && nowNs - t.lastNs > this.limits.retentionNs) this.threads.delete(k);
    }
  }

  /** Drops this thread's samples captured at or before `endNs` (a block was attributed). */
  dropThrough(pid: number, tid: number, endNs: bigint): void {
    const k = threadKey(pid, tid);
    const t = this.threads.get(k);
    if (t === undefined) return;
    for (let h = t.items[t.head]; h !== undefined && h.captureNs <= endNs; h = t.items[t.head]) this.removeHead(t);
    this.compact(t); // an emptied thread is forgotten by prune once its samples are old
  }

  /** Forget a process entirely (it exited or was removed). */
  dropPid(pid: number): void {
    for (const [k, t] of this.threads) {
      if (t.pid !== pid) continue;
      while (t.size > 0) this.removeHead(t);
      this.threads.delete(k);
    }
  }

  get size(): number {
    let n = 0;
    for (const t of this.threads.values()) n += t.size;
    return n;
  }

  get distinctStacks(): number {
    return this.stacks.size;
  }

  private intern(s: StackSample): InternedStack | null {
    if (s.status !== "ok" || s.frames.length === 0) return null;
    let key = keyOf.get(s.frames);
    if (key === undefined) keyOf.set(s.frames, (key = stackKey(s.frames)));
    let st = this.stacks.get(key);
    if (st === undefined) {
      st = { key, frames: s.frames, refs: 0 };
      this.stacks.set(key, st);
    }
    st.refs++;
    return st;
  }

  private removeHead(t: ThreadSamples): void {
    const h = t.items[t.head];
    if (h === undefined) return;
    t.items[t.head] = undefined; // release the sample now, not at the next compaction
    t.head++;
    if (h.stack !== null && --h.stack.refs === 0) this.stacks.delete(h.stack.key);
    const next = t.items[t.head];
    if (next === undefined || next.phaseStartNs !== h.phaseStartNs) t.phaseLastNs.delete(h.phaseStartNs);
  }

  private compact(t: ThreadSamples): void {
    if (t.head > 0 && t.head === t.items.length) {
      t.items.length = 0; // empty: start over in place
      t.head = 0;
    } else if (t.head > 1024 && t.head * 2 > t.items.length) {
      t.items = t.items.slice(t.head);
      t.head = 0;
    }
  }
}

/** First index ≥ from whose captureNs ≥ ns. */
function lowerBound(items: ReadonlyArray<StoredSample | undefined>, from: number, ns: bigint): number {
  let lo = from;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = items[mid];
    if (m !== undefined && m.captureNs < ns) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

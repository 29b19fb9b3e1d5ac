// Byte layouts shared by the BPF programs and the decoders. One place, used by both sides.

/** Ring buffer event: struct { u32 pid (tgid); u32 tid; u64 start_ns; u64 end_ns; }. */
export const EVENT = { size: 24, pid: 0, tid: 4, start: 8, end: 16 } as const;
/** threads map value (key: u32 tid): struct { u64 run_start_ns (0 while waiting); u32 tgid; u32 flags; }. */
export const THREAD = { size: 16, runStart: 0, tgid: 8, flags: 12 } as const;
/** THREAD.flags bit: the thread has waited in an epoll syscall (its loop is epoll-based). */
export const THREAD_WAITS_IN_EPOLL = 1;
/** Where a companion's bytes start in a threads map value (config.companionBytes). */
export const COMPANION_OFFSET = THREAD.size;
/**
 * The tid filter: one byte per (tid & (TID_FILTER_BYTES - 1)), set by the kernel when it creates a
 * thread's entry and never cleared. Programs that run on every syscall or context switch of the
 * system read it first (an array value: no helper call, no hashing) and look a thread up only
 * when its byte is set; a collision costs that lookup, nothing else.
 */
export const TID_FILTER_BYTES = 1 << 16;
/** Per-CPU totals (one element): struct { u64 count; u64 sum_ns; u64 min_ns; u64 max_ns; }. */
export const TOTALS = { size: 32, count: 0, sum: 8, min: 16, max: 24 } as const;
/** counters ARRAY (one element): struct { u64 ringbuf_drops; }. */
export const COUNTERS = { size: 8, drops: 0 } as const;

export interface GapEvent {
  pid: number;
  tid: number;
  startNs: bigint;
  endNs: bigint;
  /** The thread's companion bytes when the gap ended (config.companionBytes > 0); a copy. */
  companion?: Buffer;
}

/** An event record: EVENT, then `companionBytes` bytes of the thread's companion. */
export function decodeEvent(record: Buffer, companionBytes = 0): GapEvent {
  const size = EVENT.size + companionBytes;
  if (record.length < size) throw new RangeError(`loop-gap event of ${record.length} bytes, expected ${size}`);
  const e: GapEvent = {
    pid: record.readUInt32LE(EVENT.pid),
    tid: record.readUInt32LE(EVENT.tid),
    startNs: record.readBigUInt64LE(EVENT.start),
    endNs: record.readBigUInt64LE(EVENT.end),
  };
  // The record lives in the ring buffer's pages, which the kernel reuses: copy.
  if (companionBytes > 0) e.companion = Buffer.from(record.subarray(EVENT.size, size));
  return e;
}

export interface ThreadState {
  runStartNs: bigint;
  tgid: number;
  /** The thread has waited in an epoll syscall (else only in poll/select so far). */
  waitsInEpoll: boolean;
}

export function decodeThread(value: Buffer): ThreadState {
  return {
    runStartNs: value.readBigUInt64LE(THREAD.runStart),
    tgid: value.readUInt32LE(THREAD.tgid),
    waitsInEpoll: (value.readUInt32LE(THREAD.flags) & THREAD_WAITS_IN_EPOLL) !== 0,
  };
}

export interface Totals {
  count: bigint;
  sumNs: bigint;
  minNs: bigint;
  maxNs: bigint;
}

/** Sum per-CPU totals; min ignores CPUs that saw no gap. */
export function mergeTotals(perCpu: readonly Buffer[]): Totals {
  const t: Totals = { count: 0n, sumNs: 0n, minNs: 0n, maxNs: 0n };
  for (const b of perCpu) {
    const count = b.readBigUInt64LE(TOTALS.count);
    if (count === 0n) continue;
    const min = b.readBigUInt64LE(TOTALS.min);
    const max = b.readBigUInt64LE(TOTALS.max);
    t.minNs = t.count === 0n || min < t.minNs ? min : t.minNs;
    t.count += count;
    t.sumNs += b.readBigUInt64LE(TOTALS.sum);
    if (max > t.maxNs) t.maxNs = max;
  }
  return t;
}

/** Upper bounds (le, seconds) of the per-thread buckets, Prometheus style; a last +Inf bucket follows. */
export const THREAD_BUCKET_BOUNDS_S = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
/** The same bounds in ns, as the kernel compares them. */
export const THREAD_BUCKET_BOUNDS_NS: readonly bigint[] = [100_000n, 500_000n, 1_000_000n, 5_000_000n, 10_000_000n, 25_000_000n, 50_000_000n, 100_000_000n, 250_000_000n, 500_000_000n, 1_000_000_000n, 2_500_000_000n, 5_000_000_000n, 10_000_000_000n];
/** Buckets per thread: one per bound, then +Inf. */
export const THREAD_BUCKETS = THREAD_BUCKET_BOUNDS_NS.length + 1;
/**
 * thread histogram map value (key: u32 tid): struct { u32 tgid; u32 pad; u64 counts[15] (per
 * bucket, not cumulative: bucket i holds bound[i-1] < gap ≤ bound[i]); u64 count; u64 sum_ns; }.
 */
export const THREAD_HIST = { size: 8 + 8 * THREAD_BUCKETS + 16, tgid: 0, counts: 8, count: 8 + 8 * THREAD_BUCKETS, sum: 16 + 8 * THREAD_BUCKETS } as const;

export interface ThreadGapStats {
  pid: number;
  tid: number;
  /** Per bucket (THREAD_BUCKET_BOUNDS_S, then +Inf), not cumulative. */
  counts: bigint[];
  count: bigint;
  sumNs: bigint;
}

export function decodeThreadHist(tid: number, value: Buffer): ThreadGapStats {
  const counts: bigint[] = [];
  for (let i = 0; i < THREAD_BUCKETS; i++) counts.push(value.readBigUInt64LE(THREAD_HIST.counts + 8 * i));
  return { pid: value.readUInt32LE(THREAD_HIST.tgid), tid, counts, count: value.readBigUInt64LE(THREAD_HIST.count), sumNs: value.readBigUInt64LE(THREAD_HIST.sum) };
}

/** The bucket a gap falls in (the rule the kernel's compare chain implements). */
export function threadBucketOf(gapNs: bigint): number {
  const i = THREAD_BUCKET_BOUNDS_NS.findIndex((b) => gapNs <= b);
  return i < 0 ? THREAD_BUCKETS - 1 : i;
}

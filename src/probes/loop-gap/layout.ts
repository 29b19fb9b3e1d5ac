// Byte layouts shared by the BPF programs and the decoders. One place, used by both sides.

/** Ring buffer event: struct { u32 pid (tgid); u32 tid; u64 start_ns; u64 end_ns; }. */
export const EVENT = { size: 24, pid: 0, tid: 4, start: 8, end: 16 } as const;
/** threads map value (key: u32 tid): struct { u64 run_start_ns (0 while waiting); u32 tgid; u32 flags; }. */
export const THREAD = { size: 16, runStart: 0, tgid: 8, flags: 12 } as const;
/** THREAD.flags bit: the thread has waited in an epoll syscall (its loop is epoll-based). */
export const THREAD_WAITS_IN_EPOLL = 1;
/** Per-CPU totals (one element): struct { u64 count; u64 sum_ns; u64 min_ns; u64 max_ns; }. */
export const TOTALS = { size: 32, count: 0, sum: 8, min: 16, max: 24 } as const;
/** counters ARRAY (one element): struct { u64 ringbuf_drops; }. */
export const COUNTERS = { size: 8, drops: 0 } as const;

export interface GapEvent {
  pid: number;
  tid: number;
  startNs: bigint;
  endNs: bigint;
}

export function decodeEvent(record: Buffer): GapEvent {
  if (record.length < EVENT.size) throw new RangeError(`loop-gap event of ${record.length} bytes, expected ${EVENT.size}`);
  return {
    pid: record.readUInt32LE(EVENT.pid),
    tid: record.readUInt32LE(EVENT.tid),
    startNs: record.readBigUInt64LE(EVENT.start),
    endNs: record.readBigUInt64LE(EVENT.end),
  };
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

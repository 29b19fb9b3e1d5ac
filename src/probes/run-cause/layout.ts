// Byte layouts shared by the run-cause BPF programs and the decoder. One place, used by both sides.

/** Syscall slots kept per run phase; further distinct syscalls are summed in "other". */
export const SLOTS = 8;
export const SLOT = { size: 24, nrPlus1: 0, count: 8, ns: 16 } as const;

/**
 * Accounting block (same layout in the thread state at THREAD.acct and in the ring-buffer record
 * at RECORD.acct): struct { u64 on, off, runq, futex, longest_off; s64 longest_nr, longest_stackid;
 * u64 other_count, other_ns; struct { u64 nr+1 (0 = free), count, ns } slots[SLOTS]; }.
 */
export const ACCT = {
  on: 0, off: 8, runq: 16, futex: 24, longestOff: 32, longestNr: 40, longestStackid: 48,
  otherCount: 56, otherNs: 64, slots: 72, size: 72 + SLOTS * SLOT.size,
} as const;

/** The thread's scheduler state inside a run phase. */
export const STATE_ON = 0; // running on a CPU
export const STATE_OFF = 1; // switched out not runnable (sleeping, blocked)
export const STATE_RUNQ = 2; // runnable, waiting for a CPU (preempted, or woken and not yet running)

/**
 * threads map value (key: u32 tid): struct { u64 run_start (0 while waiting); u32 tgid; u32 flags;
 * u64 state; u64 last_ts; s64 cur_nr; u64 cur_sys_start; s64 off_nr; s64 off_stackid; u64 task;
 * ACCT acct; }. cur_* is the syscall in progress (cur_sys_start 0: none seen in this phase); off_*
 * the syscall and kernel stack at the last switch-out; task the thread's task_struct address as
 * the raw sched tracepoints pass it (also a key of the tasks map).
 */
export const THREAD = {
  runStart: 0, tgid: 8, flags: 12, state: 16, lastTs: 24, curNr: 32, curSysStart: 40, offNr: 48, offStackid: 56,
  task: 64, acct: 72, size: 72 + ACCT.size,
} as const;
/** THREAD.flags bit: the thread has waited in an epoll syscall (as loop-gap's THREAD_WAITS_IN_EPOLL). */
export const THREAD_WAITS_IN_EPOLL = 1;

/** Ring-buffer record: struct { u32 tgid; u32 tid; u64 start_ns; u64 end_ns; ACCT acct; }. */
export const RECORD = { tgid: 0, tid: 4, start: 8, end: 16, acct: 24, size: 24 + ACCT.size } as const;

/** counters ARRAY (one element): struct { u64 ringbuf_drops; }. */
export const COUNTERS = { size: 8, drops: 0 } as const;

export interface SyscallSlot {
  nr: number;
  count: number;
  ns: bigint;
}

export interface RunRecord {
  pid: number;
  tid: number;
  startNs: bigint;
  endNs: bigint;
  onNs: bigint;
  offNs: bigint;
  runqNs: bigint;
  futexNs: bigint;
  longestOffNs: bigint;
  /** Syscall in progress when the longest off-CPU wait began; null when none (e.g. a page fault). */
  longestOffNr: number | null;
  /** STACK_TRACE map id of that wait's kernel stack; null when none or the stack was not captured. */
  longestOffStackid: number | null;
  slots: SyscallSlot[]; // in slot order (first seen first)
  other: { count: number; ns: bigint };
}

export function decodeRecord(b: Buffer): RunRecord {
  if (b.length < RECORD.size) throw new RangeError(`run-cause record of ${b.length} bytes, expected ${RECORD.size}`);
  const a = RECORD.acct;
  const u = (off: number) => b.readBigUInt64LE(a + off);
  const s = (off: number) => b.readBigInt64LE(a + off);
  const slots: SyscallSlot[] = [];
  for (let i = 0; i < SLOTS; i++) {
    const at = a + ACCT.slots + i * SLOT.size;
    const nrPlus1 = b.readBigUInt64LE(at + SLOT.nrPlus1);
    if (nrPlus1 === 0n) continue;
    slots.push({ nr: Number(nrPlus1 - 1n), count: Number(b.readBigUInt64LE(at + SLOT.count)), ns: b.readBigUInt64LE(at + SLOT.ns) });
  }
  const nr = s(ACCT.longestNr);
  const stackid = s(ACCT.longestStackid);
  return {
    pid: b.readUInt32LE(RECORD.tgid),
    tid: b.readUInt32LE(RECORD.tid),
    startNs: b.readBigUInt64LE(RECORD.start),
    endNs: b.readBigUInt64LE(RECORD.end),
    onNs: u(ACCT.on),
    offNs: u(ACCT.off),
    runqNs: u(ACCT.runq),
    futexNs: u(ACCT.futex),
    longestOffNs: u(ACCT.longestOff),
    longestOffNr: nr < 0n ? null : Number(nr),
    longestOffStackid: stackid < 0n ? null : Number(stackid),
    slots,
    other: { count: Number(u(ACCT.otherCount)), ns: u(ACCT.otherNs) },
  };
}

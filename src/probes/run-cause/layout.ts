// Byte layouts shared by the run-cause BPF programs and the decoder. One place, used by both sides.

/** Syscall slots kept per run phase; further distinct syscalls are summed in "other". */
export const SLOTS = 8;
export const SLOT = { size: 24, nrPlus1: 0, count: 8, ns: 16 } as const;

/**
 * Accounting block (at COMPANION.acct): struct { u64 on, off, runq, futex, longest_off; s64 longest_nr, longest_stackid;
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
 * The run-cause block kept in loop-gap's threads map value, at loop-gap's COMPANION_OFFSET (the
 * key is the thread's tid; loop-gap's own fields before it say whether a run phase is open and
 * since when): struct { u64 phase; u64 state; u64 last_ts; s64 cur_nr; u64 cur_sys_start;
 * s64 off_nr; s64 off_stackid; u64 task; ACCT acct; }.
 *   phase — the run_start of the phase this block accounts; a program that finds run_start ≠ phase
 *           starts it over ("rollover"): the thread is on CPU since run_start, nothing else yet.
 *   cur_* — the syscall in progress (cur_sys_start 0: none); off_* the syscall and kernel stack at
 *           the last switch-out; task the thread's task_struct address as the raw sched
 *           tracepoints pass it (also a key of the tasks map).
 * Offsets here are relative to the block.
 */
export const COMPANION = {
  phase: 0, state: 8, lastTs: 16, curNr: 24, curSysStart: 32, offNr: 40, offStackid: 48, task: 56, acct: 64, size: 64 + ACCT.size,
} as const;

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

/** The gap a companion block is read for: the detector's event. */
export interface Gap {
  pid: number;
  tid: number;
  startNs: bigint;
  endNs: bigint;
}

/**
 * The record of `gap` from the companion block the detector copied when the gap ended. The last
 * period, from last_ts to the end, goes to the state the thread was in. A block whose phase is not
 * this gap's saw no scheduler or syscall event during it (every one starts its phase over first):
 * the thread ran on CPU, without a syscall, from start to end.
 */
export function decodeCompanion(b: Buffer, gap: Gap): RunRecord {
  if (b.length < COMPANION.size) throw new RangeError(`run-cause block of ${b.length} bytes, expected ${COMPANION.size}`);
  const total = gap.endNs - gap.startNs;
  const base = { pid: gap.pid, tid: gap.tid, startNs: gap.startNs, endNs: gap.endNs };
  if (b.readBigUInt64LE(COMPANION.phase) !== gap.startNs) {
    return { ...base, onNs: total, offNs: 0n, runqNs: 0n, futexNs: 0n, longestOffNs: 0n, longestOffNr: null, longestOffStackid: null, slots: [], other: { count: 0, ns: 0n } };
  }
  const a = COMPANION.acct;
  const u = (off: number) => b.readBigUInt64LE(a + off);
  const s = (off: number) => b.readBigInt64LE(a + off);
  const slots: SyscallSlot[] = [];
  for (let i = 0; i < SLOTS; i++) {
    const at = a + ACCT.slots + i * SLOT.size;
    const nrPlus1 = b.readBigUInt64LE(at + SLOT.nrPlus1);
    if (nrPlus1 === 0n) continue;
    slots.push({ nr: Number(nrPlus1 - 1n), count: Number(b.readBigUInt64LE(at + SLOT.count)), ns: b.readBigUInt64LE(at + SLOT.ns) });
  }
  let onNs = u(ACCT.on);
  let offNs = u(ACCT.off);
  let runqNs = u(ACCT.runq);
  const lastTs = b.readBigUInt64LE(COMPANION.lastTs);
  const last = gap.endNs > lastTs ? gap.endNs - lastTs : 0n;
  const state = Number(b.readBigUInt64LE(COMPANION.state));
  if (state === STATE_OFF) offNs += last;
  else if (state === STATE_RUNQ) runqNs += last;
  else onNs += last;
  const nr = s(ACCT.longestNr);
  const stackid = s(ACCT.longestStackid);
  return {
    ...base,
    onNs,
    offNs,
    runqNs,
    futexNs: u(ACCT.futex),
    longestOffNs: u(ACCT.longestOff),
    longestOffNr: nr < 0n ? null : Number(nr),
    longestOffStackid: stackid < 0n ? null : Number(stackid),
    slots,
    other: { count: Number(u(ACCT.otherCount)), ns: u(ACCT.otherNs) },
  };
}

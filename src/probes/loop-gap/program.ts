// The two loop-gap programs, assembled at run time so the threshold, tid filter and the stats
// code are baked in. Both read no tracepoint context field, so they attach to any syscall
// tracepoint whatever its record layout.
//
// Tracepoint programs do not nest on a CPU (bpf_prog_active, linux 6.18 kernel/trace/bpf_trace.c
// trace_call_bpf), and although syscall tracepoints became faultable (6.13) the perf/BPF probe
// still disables preemption (linux 6.18 trace_syscalls.c perf_syscall_enter/exit:
// guard(preempt_notrace)): per-CPU values need no atomics. The shared histogram does.
import {
  add64Imm, add64Reg, and64Imm, atomicAdd, call, exit, ja, jeqImm, jgeReg, jgtImm, jleImm, jleReg, jltImm, jltReg,
  jeq32Imm, jgtReg, jne32Imm, jneImm, jsetImm, label, ld64, ldMapFd, ldMapValue, ldx, ldxDW, ldxW, lsh64Imm, mov64Imm, mov64Reg, rsh64Imm, rsh64Reg,
  st, stxDW, stxW, sub64Imm, sub64Reg, type Instruction, type MapRef,
} from "../../bpf/asm/insn.js";
import { Helper, R0, R1, R2, R3, R4, R6, R7, R8, R9, R10, Size } from "../../bpf/asm/opcodes.js";
import { BUCKETS, MAX_MSB, SUB_BITS, SUB_BUCKETS } from "./histogram.js";
import { COMPANION_OFFSET, EVENT, THREAD, THREAD_BUCKET_BOUNDS_NS, THREAD_HIST, THREAD_WAITS_IN_EPOLL, TID_FILTER_BYTES, TOTALS } from "./layout.js";
import type { WaitKind } from "./syscalls.js";
import type { PidNamespace } from "./nspid.js";
import { currentPidTgid } from "./pidns-asm.js";

export interface LoopGapMaps {
  readonly targets: MapRef; // HASH u32 tgid → u32
  readonly threads: MapRef; // HASH u32 tid → THREAD, then companion bytes
  readonly zero: MapRef; // ARRAY[1] of zeros, the threads value size: a new thread's entry starts from it
  readonly tidBits: MapRef; // ARRAY[1] of TID_FILTER_BYTES: byte [tid & mask] set when a thread's entry is created
  readonly counters: MapRef; // ARRAY[1] COUNTERS
  readonly events?: MapRef; // RINGBUF, when events are wanted
  readonly totals?: MapRef; // PERCPU_ARRAY[1] TOTALS, when stats are wanted
  readonly hist?: MapRef; // mmapable ARRAY[1] u64[BUCKETS], when stats are wanted
  readonly threadHist?: MapRef; // HASH u32 tid → THREAD_HIST, with threadHistograms
  readonly threadHistZero?: MapRef; // ARRAY[1] THREAD_HIST of zeros: the value a new thread's entry starts from
  readonly pending?: MapRef; // HASH u32 init-ns pid → u32: forked children to adopt (descendants.ts), namespace mode only
}

export interface LoopGapProgramOptions {
  readonly tid?: number;
  readonly thresholdNs: bigint | null;
  readonly stats: boolean;
  /** Ids in this PID namespace instead of the initial one (pidns-asm.ts). */
  readonly pidNamespace?: PidNamespace;
  /** Bytes after THREAD that each event carries a copy of (config.companionBytes). */
  readonly companionBytes?: number;
}

/**
 * sys_exit_<wait>: the thread starts running callbacks; stamp its run phase start. A thread
 * already in a run phase is returning from a wait its enter program ignored (a sleep, or a poll
 * inside a callback): its phase goes on.
 */
export function exitProgram(maps: LoopGapMaps, o: LoopGapProgramOptions): Instruction[] {
  return [
    ...currentPidTgid(o.pidNamespace),
    mov64Reg(R6, R0), // r6 = tgid << 32 | tid (init pid namespace ids, helpers.c, or the chosen namespace's)
    ...(o.tid === undefined ? [] : [jne32Imm(R6, o.tid, "out")]),
    ...stampWaitExit(maps, "new_thread", "out"),
    label("new_thread"),
    ...newThread(maps),
    label("out"), mov64Imm(R0, 0), exit(),
  ];
}

/**
 * A wait syscall returns in the thread whose ids are in r6: st = threads[tid] (key at fp-4, r7 =
 * st), else to `untracked`; a thread in a run phase already (returning from a wait its enter
 * program ignored, or from any syscall in raw_syscalls mode) goes to `running`; else its phase
 * starts now (stamped in place, keeping its flags) and the code goes to "out".
 */
export function stampWaitExit(maps: LoopGapMaps, untracked: string, running: string): Instruction[] {
  return [
    stxW(R10, -4, R6),
    ldMapFd(R1, maps.threads), mov64Reg(R2, R10), add64Imm(R2, -4), call(Helper.MapLookupElem),
    jeqImm(R0, 0, untracked),
    mov64Reg(R7, R0),
    ldxDW(R1, R7, THREAD.runStart), jneImm(R1, 0, running),
    call(Helper.KtimeGetNs), stxDW(R7, THREAD.runStart, R0),
    ja("out"),
  ];
}

/**
 * A wait returned in a thread with no entry (r6 = ids, tid at fp-4): if its tgid is a target,
 * threads[tid] = zeros (BPF_NOEXIST), then fill it in, its tid filter byte and, last, the run
 * phase start. Ends by jumping to "out".
 */
export function newThread(maps: LoopGapMaps): Instruction[] {
  return [
    mov64Reg(R1, R6), rsh64Imm(R1, 32), stxW(R10, -8, R1),
    ldMapFd(R1, maps.targets), mov64Reg(R2, R10), add64Imm(R2, -8), call(Helper.MapLookupElem),
    ...(maps.pending === undefined ? [jeqImm(R0, 0, "out")] : adoptPending(maps.targets, maps.pending)),
    ldMapFd(R1, maps.threads), mov64Reg(R2, R10), add64Imm(R2, -4), ldMapValue(R3, maps.zero, 0), mov64Imm(R4, 1), call(Helper.MapUpdateElem),
    ldMapFd(R1, maps.threads), mov64Reg(R2, R10), add64Imm(R2, -4), call(Helper.MapLookupElem),
    jeqImm(R0, 0, "out"), // the map is full: the thread goes untraced
    mov64Reg(R7, R0),
    mov64Reg(R1, R6), and64Imm(R1, TID_FILTER_BYTES - 1), ldMapValue(R2, maps.tidBits, 0), add64Reg(R2, R1), st(Size.B, R2, 0, 1),
    mov64Reg(R1, R6), rsh64Imm(R1, 32), stxW(R7, THREAD.tgid, R1),
    call(Helper.KtimeGetNs), stxDW(R7, THREAD.runStart, R0), // last: the phase is open once the entry is complete
    ja("out"),
  ];
}

/**
 * sys_enter_<wait>: the run phase ends; gap = now - run_start. For the poll/select family two
 * waits do not end it: one with no fds (a sleep), and any in a thread that waits in epoll (its
 * loop is epoll-based, so this is a callback waiting on one socket).
 */
export function enterProgram(maps: LoopGapMaps, o: LoopGapProgramOptions, kind: WaitKind): Instruction[] {
  const fdset = kind.family === "fdset";
  return [
    ...(fdset ? [ldx(kind.countSize === 8 ? Size.DW : Size.W, R2, R1, kind.countOffset), jeq32Imm(R2, 0, "out")] : []),
    ...currentPidTgid(o.pidNamespace),
    mov64Reg(R6, R0),
    ...endPhase(maps, o, fdset ? fdsetWaitFlags() : epollWaitFlags()),
    label("out"), mov64Imm(R0, 0), exit(),
  ];
}

/** An epoll wait: the thread's loop is epoll-based (r7 = its entry). */
export const epollWaitFlags = (): Instruction[] => [st(Size.W, R7, THREAD.flags, THREAD_WAITS_IN_EPOLL)];
/** A poll/select wait does not end the phase of a thread whose loop waits in epoll (r7 = its entry). */
export const fdsetWaitFlags = (): Instruction[] => [ldxW(R1, R7, THREAD.flags), jsetImm(R1, THREAD_WAITS_IN_EPOLL, "out")];

/**
 * The wait of the thread whose ids are in r6 begins: st = threads[tid]; if (!st) return; `flags`
 * (r7 = st; may leave to "out"); if it is in a run phase, gap = now - run_start → stats,
 * per-thread buckets, event. Every path ends by jumping to "out".
 */
export function endPhase(maps: LoopGapMaps, o: LoopGapProgramOptions, flags: Instruction[]): Instruction[] {
  return [
    // st = threads[tid]; if (!st || !st->run_start) return  (a thread we do not track, or already waiting)
    stxW(R10, -4, R6),
    ldMapFd(R1, maps.threads), mov64Reg(R2, R10), add64Imm(R2, -4), call(Helper.MapLookupElem),
    jeqImm(R0, 0, "out"),
    mov64Reg(R7, R0),
    ...flags,
    ...((o.companionBytes ?? 0) > 0 ? [stxDW(R10, THREAD_PTR, R7)] : []), // the event copies the companion from it
    ldxDW(R8, R7, THREAD.runStart), // r8 = start
    jeqImm(R8, 0, "out"),
    call(Helper.KtimeGetNs),
    mov64Reg(R9, R0), // r9 = end
    st(Size.DW, R7, THREAD.runStart, 0), // now waiting
    mov64Reg(R7, R9), sub64Reg(R7, R8), // r7 = gap
    ...(o.stats && maps.totals !== undefined && maps.hist !== undefined ? statsBlock(maps.totals, maps.hist) : []),
    ...(maps.threadHist !== undefined && maps.threadHistZero !== undefined ? threadHistBlock(maps.threadHist, maps.threadHistZero) : []),
    ...(o.thresholdNs !== null && maps.events !== undefined ? eventBlock(maps.events, maps.counters, o.thresholdNs, o.companionBytes ?? 0) : []),
    ja("out"),
  ];
}

/**
 * Namespace mode, new thread whose tgid is not a target (r0 = lookup result, key at -8): if the
 * process is a forked child parked in `pending` under its init-namespace pid, it becomes a target
 * under its namespace tgid now. Costs one more lookup per wait of untracked threads, only here.
 */
function adoptPending(targets: MapRef, pending: MapRef): Instruction[] {
  return [
    jneImm(R0, 0, "adopted"),
    call(Helper.GetCurrentPidTgid), rsh64Imm(R0, 32), stxW(R10, -12, R0),
    ldMapFd(R1, pending), mov64Reg(R2, R10), add64Imm(R2, -12), call(Helper.MapLookupElem),
    jeqImm(R0, 0, "out"),
    st(Size.W, R10, -16, 1),
    ldMapFd(R1, targets), mov64Reg(R2, R10), add64Imm(R2, -8), mov64Reg(R3, R10), add64Imm(R3, -16),
    mov64Imm(R4, 0), call(Helper.MapUpdateElem),
    ldMapFd(R1, pending), mov64Reg(R2, R10), add64Imm(R2, -12), call(Helper.MapDeleteElem),
    label("adopted"),
  ];
}

/**
 * Per-thread Prometheus-style buckets: th[tid] (created from the zero value on first use), then
 * count, sum and one bucket by an unrolled compare chain. Only the thread itself updates its
 * entry and its programs do not nest (see the top of this file): no atomics. In: r6, r7 = gap;
 * keeps r6–r9.
 */
function threadHistBlock(th: MapRef, zero: MapRef): Instruction[] {
  const chain: Instruction[] = [];
  THREAD_BUCKET_BOUNDS_NS.forEach((bound, i) => {
    chain.push(ld64(R1, bound), jgtReg(R7, R1, `th_gt_${i}`), mov64Imm(R2, THREAD_HIST.counts + 8 * i), ja("th_bucket"), label(`th_gt_${i}`));
  });
  return [
    stxW(R10, -4, R6),
    ldMapFd(R1, th), mov64Reg(R2, R10), add64Imm(R2, -4), call(Helper.MapLookupElem),
    jneImm(R0, 0, "th_have"),
    ldMapFd(R1, th), mov64Reg(R2, R10), add64Imm(R2, -4), ldMapValue(R3, zero, 0), mov64Imm(R4, 1), call(Helper.MapUpdateElem), // BPF_NOEXIST
    ldMapFd(R1, th), mov64Reg(R2, R10), add64Imm(R2, -4), call(Helper.MapLookupElem),
    jeqImm(R0, 0, "th_done"), // the map is full: this thread goes uncounted
    label("th_have"),
    mov64Reg(R1, R6), rsh64Imm(R1, 32), stxW(R0, THREAD_HIST.tgid, R1),
    ldxDW(R1, R0, THREAD_HIST.count), add64Imm(R1, 1), stxDW(R0, THREAD_HIST.count, R1),
    ldxDW(R1, R0, THREAD_HIST.sum), add64Reg(R1, R7), stxDW(R0, THREAD_HIST.sum, R1),
    mov64Imm(R2, THREAD_HIST.counts + 8 * THREAD_BUCKET_BOUNDS_NS.length), // +Inf unless a bound holds it
    ...chain,
    label("th_bucket"),
    add64Reg(R0, R2), ldxDW(R1, R0, 0), add64Imm(R1, 1), stxDW(R0, 0, R1),
    label("th_done"),
  ];
}

/** count/sum/min/max in the per-CPU totals, then one atomic add in the shared histogram. In: r7 = gap. */
function statsBlock(totals: MapRef, hist: MapRef): Instruction[] {
  return [
    st(Size.W, R10, -8, 0),
    ldMapFd(R1, totals), mov64Reg(R2, R10), add64Imm(R2, -8), call(Helper.MapLookupElem),
    jeqImm(R0, 0, "hist"),
    ldxDW(R1, R0, TOTALS.count),
    jeqImm(R1, 0, "set_min"),
    ldxDW(R2, R0, TOTALS.min),
    jleReg(R2, R7, "min_done"),
    label("set_min"), stxDW(R0, TOTALS.min, R7),
    label("min_done"), add64Imm(R1, 1), stxDW(R0, TOTALS.count, R1),
    ldxDW(R2, R0, TOTALS.sum), add64Reg(R2, R7), stxDW(R0, TOTALS.sum, R2),
    ldxDW(R2, R0, TOTALS.max), jgeReg(R2, R7, "hist"), stxDW(R0, TOTALS.max, R7),
    label("hist"),
    ...bucketIndex(),
    // hist[r1] += 1 (index clamped so the verifier sees a bounded offset)
    jleImm(R1, BUCKETS - 1, "in_range"), mov64Imm(R1, BUCKETS - 1),
    label("in_range"), lsh64Imm(R1, 3),
    ldMapValue(R2, hist, 0), add64Reg(R2, R1), mov64Imm(R3, 1), atomicAdd(Size.DW, R2, 0, R3),
  ];
}

/** r1 = bucketOf(r7), as histogram.ts: exact below 128, else ((l+1) << 7) + ((v >> l) & 127), l = msb - 7. */
function bucketIndex(): Instruction[] {
  const steps: Instruction[] = [];
  for (const s of [32, 16, 8, 4, 2, 1]) {
    steps.push(mov64Reg(R4, R2), rsh64Imm(R4, s), jeqImm(R4, 0, `msb_${s}`), mov64Reg(R2, R4), add64Imm(R3, s), label(`msb_${s}`));
  }
  return [
    mov64Reg(R1, R7),
    jltImm(R7, SUB_BUCKETS, "bucket_done"),
    mov64Reg(R2, R7), mov64Imm(R3, 0), // r3 = msb(r7), unrolled binary search
    ...steps,
    mov64Imm(R1, BUCKETS - 1),
    jgtImm(R3, MAX_MSB, "bucket_done"),
    sub64Imm(R3, SUB_BITS),
    mov64Reg(R1, R7), rsh64Reg(R1, R3), and64Imm(R1, SUB_BUCKETS - 1),
    add64Imm(R3, 1), lsh64Imm(R3, SUB_BITS), add64Reg(R1, R3),
    label("bucket_done"),
  ];
}

/** Stack slot of the thread's entry pointer in the enter program (r7 is reused for the gap). */
const THREAD_PTR = -16;

/**
 * gap ≥ threshold → ring buffer event (with a copy of the thread's companion bytes, taken now, at
 * the end of the gap), or a counted drop when the buffer is full.
 */
function eventBlock(events: MapRef, counters: MapRef, thresholdNs: bigint, companionBytes: number): Instruction[] {
  const copy: Instruction[] = [];
  if (companionBytes > 0) copy.push(ldxDW(R2, R10, THREAD_PTR));
  for (let o = 0; o < companionBytes; o += 8) copy.push(ldxDW(R1, R2, COMPANION_OFFSET + o), stxDW(R0, EVENT.size + o, R1));
  return [
    ld64(R1, thresholdNs), jltReg(R7, R1, "out"),
    ldMapFd(R1, events), mov64Imm(R2, EVENT.size + companionBytes), mov64Imm(R3, 0), call(Helper.RingbufReserve),
    jneImm(R0, 0, "fill"),
    ldMapValue(R1, counters, 0), mov64Imm(R2, 1), atomicAdd(Size.DW, R1, 0, R2),
    ja("out"),
    label("fill"),
    mov64Reg(R1, R6), rsh64Imm(R1, 32), stxW(R0, EVENT.pid, R1),
    stxW(R0, EVENT.tid, R6),
    stxDW(R0, EVENT.start, R8),
    stxDW(R0, EVENT.end, R9),
    ...copy,
    mov64Reg(R1, R0), mov64Imm(R2, 0), call(Helper.RingbufSubmit),
  ];
}

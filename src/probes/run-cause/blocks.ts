// The run-cause programs' shared blocks (the programs: sched-programs.ts, syscall-programs.ts),
// assembled at run time. They keep, per loop thread and only inside a run
// phase, where its time went: on CPU, off CPU (sleeping/blocked), run queue (runnable, no CPU),
// per-syscall time, futex time, and the longest off-CPU wait with its kernel stack.
//
// They own no phase logic and no record: they write a block (layout.ts COMPANION) inside
// loop-gap's per-thread entry, whose run_start says whether a phase is open and since when.
// Loop-gap copies the block into its event when a gap ends. So a busy healthy loop pays nothing
// here per iteration: no program of ours runs on its wait syscalls (raw sys_enter leaves the
// epoll waits at once, raw sys_exit leaves at once unless this CPU's `pending` flag says a loop
// thread has a syscall in progress), and the block is only started over ("rollover", when
// run_start ≠ phase) by the first scheduler or syscall event of a phase.
//
// Every transition adds (now - last_ts) to exactly one of on/off/runq and sets last_ts = now; the
// last period (last_ts → end) is added by the decoder. So on + off + runq = end - start exactly.
//
// Ordering facts (linux 6.18 kernel/sched/core.c): trace_sched_switch fires in __schedule while
// prev is still current and p->on_cpu = 1; try_to_wake_up waits for on_cpu == 0
// (smp_cond_load_acquire) before trace_sched_wakeup, so the wakeup program never races the
// switch-out program of the same thread. sched_waking fires before that wait, so it is not used.
// Tracepoint programs do not nest on one CPU (bpf_prog_active, kernel/trace/bpf_trace.c).
import {
  add64Imm, add64Reg, and64Imm, call, exit, jeqImm, jeqReg, jgeReg, jneImm, label,
  ldMapFd, ldMapValue, ldx, ldxDW, mov64Imm, mov64Reg, rsh64Imm, st, stxDW, type Instruction, type MapRef,
} from "../../bpf/asm/insn.js";
import { Helper, R0, R1, R2, R3, R7, R9, R10, Size } from "../../bpf/asm/opcodes.js";
import type { PidNamespace } from "../loop-gap/nspid.js";
import { THREAD as LG_THREAD, TID_FILTER_BYTES } from "../loop-gap/layout.js";
import { ACCT, COMPANION, STATE_ON } from "./layout.js";

/** bpf_get_stackid flag: replace a bucket holding another stack (include/uapi/linux/bpf.h). */
export const BPF_F_REUSE_STACKID = 1 << 10;
/** sched_switch prev_state: low byte = TASK_REPORT bits, 0 = TASK_RUNNING; 0x100 (TASK_REPORT_MAX)
 * = preempted (__trace_sched_switch_state, linux 6.18 include/trace/events/sched.h). Runnable iff
 * (prev_state & 0xff) == 0. */
export const TASK_REPORT_MASK = 0xff;

export interface RunCauseMaps {
  readonly threads: MapRef; // loop-gap's HASH u32 tid → THREAD, then the COMPANION block
  readonly tidBits: MapRef; // loop-gap's ARRAY[1] of TID_FILTER_BYTES: byte [tid & mask] set for its threads
  readonly stacks: MapRef; // STACK_TRACE
  readonly tasks: MapRef; // HASH u64 task_struct address → u32 tid (raw sched tracepoints)
  readonly taskBits: MapRef; // ARRAY[1] of TASK_FILTER_BYTES: byte [(task >> 6) & mask] set for loop threads (kernel)
  readonly pending: MapRef; // PERCPU_ARRAY[1] u64: non-zero when the last loop thread seen here has a syscall in progress
}

export interface RunCauseLayout {
  /** Where the COMPANION block starts in a threads value (loop-gap's COMPANION_OFFSET). */
  readonly base: number;
  /** The tids of the threads map are in this PID namespace (loop-gap's); undefined: the initial one. */
  readonly pidNamespace?: PidNamespace;
}

export const TASK_FILTER_BYTES = 1 << 16;
/** task_struct addresses are at least cache-line aligned: drop the low bits that never vary. */
const TASK_SHIFT = 6;

/** Absolute offsets in a threads value of loop-gap's run_start and of the companion's fields. */
export function fieldsAt(base: number) {
  const c = (o: number) => base + o;
  return {
    runStart: LG_THREAD.runStart, phase: c(COMPANION.phase), state: c(COMPANION.state), lastTs: c(COMPANION.lastTs),
    curNr: c(COMPANION.curNr), curSysStart: c(COMPANION.curSysStart), offNr: c(COMPANION.offNr), offStackid: c(COMPANION.offStackid),
    task: c(COMPANION.task), acct: (o: number) => c(COMPANION.acct + o),
  };
}
export type Fields = ReturnType<typeof fieldsAt>;

export const out = (): Instruction[] => [label("out"), mov64Imm(R0, 0), exit()];

/** After the current ids (r0): jump to `miss` unless byte [tid & mask] is set. Keeps r0; clobbers r1, r2. */
export function tidFilter(maps: RunCauseMaps, miss: string): Instruction[] {
  return [
    mov64Reg(R1, R0), and64Imm(R1, TID_FILTER_BYTES - 1),
    ldMapValue(R2, maps.tidBits, 0), add64Reg(R2, R1), ldx(Size.B, R1, R2, 0), jeqImm(R1, 0, miss),
  ];
}

/** r2 = &taskBits[(task in r1 >> 6) & mask]. Clobbers r2, r3. */
export function taskBit(maps: RunCauseMaps): Instruction[] {
  return [mov64Reg(R3, R1), rsh64Imm(R3, TASK_SHIFT), and64Imm(R3, TASK_FILTER_BYTES - 1), ldMapValue(R2, maps.taskBits, 0), add64Reg(R2, R3)];
}

/** r0 = threads[tid at fp-4] (r1-r5 clobbered). */
export const lookupThread = (maps: RunCauseMaps): Instruction[] => [
  ldMapFd(R1, maps.threads), mov64Reg(R2, R10), add64Imm(R2, -4), call(Helper.MapLookupElem),
];

/** r0 = &pending (this CPU's), or jump to `miss` (r1-r5 clobbered). The per-CPU array lookup is inlined by the verifier. */
export const lookupPending = (maps: RunCauseMaps, miss: string): Instruction[] => [
  st(Size.W, R10, -8, 0), ldMapFd(R1, maps.pending), mov64Reg(R2, R10), add64Imm(R2, -8), call(Helper.MapLookupElem),
  jeqImm(R0, 0, miss),
];

/**
 * r7 = the thread's entry. Jump to `miss` unless a run phase is open; start the block over when
 * it belongs to an earlier phase: the thread has been on CPU since run_start (this is the first
 * scheduler or syscall event of the phase, and a switch-out is always one). Clobbers r1, r2.
 */
export function inPhase(f: Fields, miss: string, p: string): Instruction[] {
  const zero: Instruction[] = [];
  for (let o = 0; o < ACCT.size; o += 8) zero.push(st(Size.DW, R7, f.acct(o), 0));
  return [
    ldxDW(R1, R7, f.runStart), jeqImm(R1, 0, miss),
    ldxDW(R2, R7, f.phase), jeqReg(R1, R2, `${p}_same`),
    st(Size.DW, R7, f.state, STATE_ON), stxDW(R7, f.lastTs, R1),
    st(Size.DW, R7, f.curNr, -1), st(Size.DW, R7, f.curSysStart, 0),
    st(Size.DW, R7, f.offNr, -1), st(Size.DW, R7, f.offStackid, -1),
    ...zero,
    st(Size.DW, R7, f.acct(ACCT.longestNr), -1), st(Size.DW, R7, f.acct(ACCT.longestStackid), -1),
    stxDW(R7, f.phase, R1),
    label(`${p}_same`),
  ];
}

/** acct[field] += r2, with r7 = the entry. Clobbers r1. */
export const addTo = (f: Fields, field: number): Instruction[] => [ldxDW(R1, R7, f.acct(field)), add64Reg(R1, R2), stxDW(R7, f.acct(field), R1)];

/** An off-CPU period of r2 ns ended: off += r2, and keep it if it is the longest. Clobbers r1, r3. */
export function endOffPeriod(f: Fields, p: string): Instruction[] {
  return [
    ...addTo(f, ACCT.off),
    ldxDW(R1, R7, f.acct(ACCT.longestOff)), jgeReg(R1, R2, `${p}_kept`),
    stxDW(R7, f.acct(ACCT.longestOff), R2),
    ldxDW(R3, R7, f.offNr), stxDW(R7, f.acct(ACCT.longestNr), R3),
    ldxDW(R3, R7, f.offStackid), stxDW(R7, f.acct(ACCT.longestStackid), R3),
    label(`${p}_kept`),
  ];
}

/**
 * r9 = now, read once per program run and only once a loop thread is involved: the scheduler
 * programs run on every context switch of the system, and a clock read is the dearest thing
 * they could do (bench/helpers.ts). r9 starts at 0. Clobbers r0-r5.
 */
export const now = (p: string): Instruction[] => [jneImm(R9, 0, `${p}_now`), call(Helper.KtimeGetNs), mov64Reg(R9, R0), label(`${p}_now`)];

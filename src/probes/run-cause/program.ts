// The run-cause programs, assembled at run time. They keep, per loop thread and only inside a run
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
  add64Imm, add64Reg, and64Imm, call, exit, ja, jeq32Imm, jeqImm, jeqReg, jgeReg, jneImm, jneReg, label,
  ldMapFd, ldMapValue, ldx, ldxDW, ldxW, mov64Imm, mov64Reg, rsh64Imm, st, stxDW, stxW, sub64Reg, type Instruction, type MapRef,
} from "../../bpf/asm/insn.js";
import { Helper, R0, R1, R2, R3, R4, R6, R7, R8, R9, R10, Size } from "../../bpf/asm/opcodes.js";
import { currentPidTgid } from "../loop-gap/pidns-asm.js";
import type { PidNamespace } from "../loop-gap/nspid.js";
import { THREAD as LG_THREAD, TID_FILTER_BYTES } from "../loop-gap/layout.js";
import { ACCT, COMPANION, SLOT, SLOTS, STATE_OFF, STATE_ON, STATE_RUNQ } from "./layout.js";

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
function fieldsAt(base: number) {
  const c = (o: number) => base + o;
  return {
    runStart: LG_THREAD.runStart, phase: c(COMPANION.phase), state: c(COMPANION.state), lastTs: c(COMPANION.lastTs),
    curNr: c(COMPANION.curNr), curSysStart: c(COMPANION.curSysStart), offNr: c(COMPANION.offNr), offStackid: c(COMPANION.offStackid),
    task: c(COMPANION.task), acct: (o: number) => c(COMPANION.acct + o),
  };
}
type Fields = ReturnType<typeof fieldsAt>;

const out = (): Instruction[] => [label("out"), mov64Imm(R0, 0), exit()];

/** After the current ids (r0): jump to `miss` unless byte [tid & mask] is set. Keeps r0; clobbers r1, r2. */
function tidFilter(maps: RunCauseMaps, miss: string): Instruction[] {
  return [
    mov64Reg(R1, R0), and64Imm(R1, TID_FILTER_BYTES - 1),
    ldMapValue(R2, maps.tidBits, 0), add64Reg(R2, R1), ldx(Size.B, R1, R2, 0), jeqImm(R1, 0, miss),
  ];
}

/** r2 = &taskBits[(task in r1 >> 6) & mask]. Clobbers r2, r3. */
function taskBit(maps: RunCauseMaps): Instruction[] {
  return [mov64Reg(R3, R1), rsh64Imm(R3, TASK_SHIFT), and64Imm(R3, TASK_FILTER_BYTES - 1), ldMapValue(R2, maps.taskBits, 0), add64Reg(R2, R3)];
}

/** r0 = threads[tid at fp-4] (r1-r5 clobbered). */
const lookupThread = (maps: RunCauseMaps): Instruction[] => [
  ldMapFd(R1, maps.threads), mov64Reg(R2, R10), add64Imm(R2, -4), call(Helper.MapLookupElem),
];

/** r0 = &pending (this CPU's), or jump to `miss` (r1-r5 clobbered). The per-CPU array lookup is inlined by the verifier. */
const lookupPending = (maps: RunCauseMaps, miss: string): Instruction[] => [
  st(Size.W, R10, -8, 0), ldMapFd(R1, maps.pending), mov64Reg(R2, R10), add64Imm(R2, -8), call(Helper.MapLookupElem),
  jeqImm(R0, 0, miss),
];

/**
 * r7 = the thread's entry. Jump to `miss` unless a run phase is open; start the block over when
 * it belongs to an earlier phase: the thread has been on CPU since run_start (this is the first
 * scheduler or syscall event of the phase, and a switch-out is always one). Clobbers r1, r2.
 */
function inPhase(f: Fields, miss: string, p: string): Instruction[] {
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
const addTo = (f: Fields, field: number): Instruction[] => [ldxDW(R1, R7, f.acct(field)), add64Reg(R1, R2), stxDW(R7, f.acct(field), R1)];

/** An off-CPU period of r2 ns ended: off += r2, and keep it if it is the longest. Clobbers r1, r3. */
function endOffPeriod(f: Fields, p: string): Instruction[] {
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
const now = (p: string): Instruction[] => [jneImm(R9, 0, `${p}_now`), call(Helper.KtimeGetNs), mov64Reg(R9, R0), label(`${p}_now`)];

/** In: r7 = the entry of the thread switching out, r9 = now: on-CPU time up to now (only when it is on CPU, else to `miss`). */
function switchedOutOnCpu(f: Fields, miss: string): Instruction[] {
  return [
    ldxDW(R1, R7, f.state), jneImm(R1, STATE_ON, miss),
    mov64Reg(R2, R9), ldxDW(R1, R7, f.lastTs), sub64Reg(R2, R1), ...addTo(f, ACCT.on),
    stxDW(R7, f.lastTs, R9),
  ];
}

/** The thread switching out (r7, r6 = ctx) sleeps: state OFF, with the syscall it is in and its kernel stack. */
function goesOff(maps: RunCauseMaps, f: Fields): Instruction[] {
  return [
    st(Size.DW, R7, f.state, STATE_OFF),
    ldxDW(R1, R7, f.curNr), stxDW(R7, f.offNr, R1),
    mov64Reg(R1, R6), ldMapFd(R2, maps.stacks), mov64Imm(R3, BPF_F_REUSE_STACKID), call(Helper.GetStackid),
    stxDW(R7, f.offStackid, R0),
  ];
}

/**
 * Switch-in of the thread whose entry is in r7 (r9 = now): close the OFF or RUNQ period, and tell
 * this CPU's raw sys_exit program whether the thread has a syscall in progress.
 */
function switchIn(maps: RunCauseMaps, f: Fields): Instruction[] {
  return [
    mov64Reg(R2, R9), ldxDW(R1, R7, f.lastTs), sub64Reg(R2, R1),
    ldxDW(R3, R7, f.state),
    jeqImm(R3, STATE_RUNQ, "was_runq"), jneImm(R3, STATE_OFF, "running"),
    ...endOffPeriod(f, "in"), ja("running"), // woken without a sched_wakeup seen: all of it was off CPU
    label("was_runq"), ...addTo(f, ACCT.runq),
    label("running"),
    st(Size.DW, R7, f.state, STATE_ON), stxDW(R7, f.lastTs, R9),
    ldxDW(R8, R7, f.curSysStart),
    ...lookupPending(maps, "out"),
    stxDW(R0, 0, R8),
  ];
}

/**
 * A thread we switch in or wake by task pointer (r1): r7 = its entry, inside the block's own
 * phase, else to "out". Its switch-out came first (a thread runs before it sleeps or is
 * preempted), so a block of an earlier phase means no event of ours saw this one: leave it.
 */
function threadByTask(maps: RunCauseMaps, f: Fields): Instruction[] {
  return [
    stxDW(R10, -16, R1),
    ...taskBit(maps), ldx(Size.B, R2, R2, 0), jeqImm(R2, 0, "out"),
    ldMapFd(R1, maps.tasks), mov64Reg(R2, R10), add64Imm(R2, -16), call(Helper.MapLookupElem),
    jeqImm(R0, 0, "out"),
    ldxW(R1, R0, 0), stxW(R10, -4, R1),
    ...lookupThread(maps),
    jeqImm(R0, 0, "out"),
    mov64Reg(R7, R0),
    ldxDW(R1, R7, f.runStart), jeqImm(R1, 0, "out"),
    ldxDW(R2, R7, f.phase), jneReg(R1, R2, "out"),
  ];
}

/** sched:sched_switch (perf tracepoint, ids from the record: initial PID namespace only). */
export function switchProgram(maps: RunCauseMaps, l: RunCauseLayout, o: SchedOffsets): Instruction[] {
  const f = fieldsAt(l.base);
  return [
    mov64Reg(R6, R1), mov64Imm(R9, 0),
    // prev: in a phase and on CPU
    ldxW(R0, R6, o.prevPid), ...tidFilter(maps, "next"), stxW(R10, -4, R0),
    ...lookupThread(maps), jeqImm(R0, 0, "next"), mov64Reg(R7, R0),
    ...inPhase(f, "next", "prev"),
    ...now("prev"),
    ...switchedOutOnCpu(f, "next"),
    ldx(o.prevStateSize === 8 ? Size.DW : Size.W, R1, R6, o.prevState), and64Imm(R1, TASK_REPORT_MASK),
    jneImm(R1, 0, "sleeps"),
    st(Size.DW, R7, f.state, STATE_RUNQ), ja("next"),
    label("sleeps"),
    ...goesOff(maps, f),
    // next: in its block's phase, gets the CPU
    label("next"),
    ldxW(R0, R6, o.nextPid), ...tidFilter(maps, "out"), stxW(R10, -4, R0),
    ...lookupThread(maps), jeqImm(R0, 0, "out"), mov64Reg(R7, R0),
    ldxDW(R1, R7, f.runStart), jeqImm(R1, 0, "out"), ldxDW(R2, R7, f.phase), jneReg(R1, R2, "out"),
    ...now("next"),
    ...switchIn(maps, f),
    ...out(),
  ];
}

/** sched:sched_wakeup (perf tracepoint): a sleeping loop thread becomes runnable; its off-CPU period ends. */
export function wakeupProgram(maps: RunCauseMaps, l: RunCauseLayout, o: SchedOffsets): Instruction[] {
  const f = fieldsAt(l.base);
  return [
    ldxW(R0, R1, o.wakeupPid), ...tidFilter(maps, "out"), stxW(R10, -4, R0),
    ...lookupThread(maps), jeqImm(R0, 0, "out"), mov64Reg(R7, R0),
    ldxDW(R1, R7, f.runStart), jeqImm(R1, 0, "out"), ldxDW(R2, R7, f.phase), jneReg(R1, R2, "out"),
    ...wakeUp(f),
  ];
}

/** r7 = a sleeping thread's entry: OFF → RUNQ at now. */
function wakeUp(f: Fields): Instruction[] {
  return [
    ldxDW(R1, R7, f.state), jneImm(R1, STATE_OFF, "out"), // a wakeup of a running task (ttwu_runnable)
    call(Helper.KtimeGetNs), mov64Reg(R9, R0),
    mov64Reg(R2, R9), ldxDW(R1, R7, f.lastTs), sub64Reg(R2, R1),
    ...endOffPeriod(f, "wake"),
    st(Size.DW, R7, f.state, STATE_RUNQ), stxDW(R7, f.lastTs, R9),
    ...out(),
  ];
}

/** Context offsets read from tracefs `format` files. */
export interface SchedOffsets {
  readonly prevPid: number;
  readonly prevState: number;
  readonly prevStateSize: 4 | 8;
  readonly nextPid: number;
  readonly wakeupPid: number;
}
export interface RawSyscallOffsets {
  readonly enterId: number;
  /** null on raw tracepoints, whose sys_exit has no id argument: the exiting syscall is the one entered. */
  readonly exitId: number | null;
}

/**
 * raw_syscalls:sys_enter: remember the syscall a loop thread enters inside a phase, and flag this
 * CPU for the exit program. `skipNrs` (the epoll waits, which always end a phase) leave at once: a
 * busy loop enters one per iteration.
 */
export function sysEnterProgram(maps: RunCauseMaps, l: RunCauseLayout, o: RawSyscallOffsets, skipNrs: readonly number[] = []): Instruction[] {
  const f = fieldsAt(l.base);
  return [
    ldxDW(R6, R1, o.enterId),
    ...skipNrs.map((nr) => jeqImm(R6, nr, "out")),
    ...currentPidTgid(l.pidNamespace), ...tidFilter(maps, "out"), stxW(R10, -4, R0),
    ...lookupThread(maps), jeqImm(R0, 0, "out"), mov64Reg(R7, R0),
    ...inPhase(f, "out", "enter"),
    call(Helper.KtimeGetNs),
    stxDW(R7, f.curNr, R6), stxDW(R7, f.curSysStart, R0),
    ...lookupPending(maps, "out"), st(Size.DW, R0, 0, 1),
    ...out(),
  ];
}

/**
 * raw_syscalls:sys_exit: add the syscall's time to its slot (first free slot for a new number,
 * "other" once all SLOTS are taken) and to futex time for `futexNrs`. Leaves at once unless this
 * CPU is flagged (sys_enter, or the switch-in of a loop thread inside a syscall). A syscall
 * entered before the phase (the wait that opened it) has no start in this block and is ignored.
 */
export function sysExitProgram(maps: RunCauseMaps, l: RunCauseLayout, o: RawSyscallOffsets, futexNrs: readonly number[], skipNrs: readonly number[] = []): Instruction[] {
  const f = fieldsAt(l.base);
  const slots: Instruction[] = [];
  for (let i = 0; i < SLOTS; i++) {
    const at = ACCT.slots + i * SLOT.size;
    slots.push(ldxDW(R1, R7, f.acct(at + SLOT.nrPlus1)), jeqReg(R1, R8, `hit_${i}`), jeqImm(R1, 0, `claim_${i}`));
  }
  const bodies: Instruction[] = [];
  for (let i = 0; i < SLOTS; i++) {
    const at = ACCT.slots + i * SLOT.size;
    bodies.push(
      label(`claim_${i}`), stxDW(R7, f.acct(at + SLOT.nrPlus1), R8),
      label(`hit_${i}`),
      ldxDW(R1, R7, f.acct(at + SLOT.count)), add64Imm(R1, 1), stxDW(R7, f.acct(at + SLOT.count), R1),
      ...addTo(f, at + SLOT.ns),
      ja("out"),
    );
  }
  return [
    ...(o.exitId === null ? [] : [ldxDW(R6, R1, o.exitId), ...skipNrs.map((nr) => jeqImm(R6, nr, "out"))]),
    ...lookupPending(maps, "out"), ldxDW(R1, R0, 0), jeqImm(R1, 0, "out"), st(Size.DW, R0, 0, 0),
    ...currentPidTgid(l.pidNamespace), stxW(R10, -4, R0),
    ...lookupThread(maps), jeqImm(R0, 0, "out"), mov64Reg(R7, R0),
    ldxDW(R1, R7, f.runStart), jeqImm(R1, 0, "out"), ldxDW(R2, R7, f.phase), jneReg(R1, R2, "out"),
    ldxDW(R8, R7, f.curSysStart), jeqImm(R8, 0, "out"),
    ldxDW(R1, R7, f.curNr),
    st(Size.DW, R7, f.curSysStart, 0), st(Size.DW, R7, f.curNr, -1),
    ...(o.exitId === null ? [mov64Reg(R6, R1)] : [jneReg(R1, R6, "out")]),
    call(Helper.KtimeGetNs), mov64Reg(R2, R0), sub64Reg(R2, R8), // r2 = duration
    ...futexNrs.flatMap((nr) => [jeqImm(R6, nr, "futex")]),
    ja("slots"),
    label("futex"), ...addTo(f, ACCT.futex),
    label("slots"),
    mov64Reg(R8, R6), add64Imm(R8, 1), // r8 = nr + 1
    ...slots,
    ldxDW(R1, R7, f.acct(ACCT.otherCount)), add64Imm(R1, 1), stxDW(R7, f.acct(ACCT.otherCount), R1),
    ...addTo(f, ACCT.otherNs),
    ja("out"),
    ...bodies,
    ...out(),
  ];
}

/*
 * Raw tracepoint versions of the scheduler programs (BPF_PROG_TYPE_RAW_TRACEPOINT): the program
 * gets the tracepoint's arguments, not a perf record, so every context switch of the system costs
 * much less. Arguments (linux 6.18 include/trace/events/sched.h):
 *   sched_switch(bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
 *     (prev_state became an argument in 5.18; attach fails on older kernels, which use the perf programs)
 *   sched_wakeup(struct task_struct *p)
 * A task pointer is not a tid, and reading task_struct needs its layout (BTF). No layout is needed:
 * prev is always `current`, so a loop thread's own switch-out tells its task pointer, kept in the
 * tasks map; switch-in and wakeup find the thread by that pointer. A thread is always switched out
 * before it can be woken or switched in, so the pointer is known when it is needed. The ids are
 * the current task's, in the threads map's PID namespace (pidns-asm.ts).
 */
export const RAW_SWITCH = { preempt: 0, prev: 8, next: 16, prevState: 24 } as const;
export const RAW_WAKEUP = { task: 0 } as const;

export function rawSwitchProgram(maps: RunCauseMaps, l: RunCauseLayout): Instruction[] {
  const f = fieldsAt(l.base);
  return [
    mov64Reg(R6, R1), mov64Imm(R9, 0),
    // prev is current: in a phase and on CPU
    ...currentPidTgid(l.pidNamespace, "next"), ...tidFilter(maps, "next"), stxW(R10, -4, R0),
    ...lookupThread(maps), jeqImm(R0, 0, "next"), mov64Reg(R7, R0),
    ...inPhase(f, "next", "prev"),
    ...now("prev"),
    ...switchedOutOnCpu(f, "next"),
    // learn the thread's task pointer once: tasks[prev] = tid (key at fp-16, tid still at fp-4)
    ldxDW(R1, R6, RAW_SWITCH.prev), ldxDW(R2, R7, f.task), jeqReg(R1, R2, "known"),
    stxDW(R7, f.task, R1), stxDW(R10, -16, R1),
    ...taskBit(maps), st(Size.B, R2, 0, 1),
    ldMapFd(R1, maps.tasks), mov64Reg(R2, R10), add64Imm(R2, -16), mov64Reg(R3, R10), add64Imm(R3, -4), mov64Imm(R4, 0),
    call(Helper.MapUpdateElem),
    label("known"),
    // runnable (preempted, or state TASK_RUNNING) → run queue; else off CPU with its kernel stack
    ldxDW(R1, R6, RAW_SWITCH.preempt), jneImm(R1, 0, "runnable"),
    ldxDW(R1, R6, RAW_SWITCH.prevState), jeq32Imm(R1, 0, "runnable"),
    ...goesOff(maps, f),
    ja("next"),
    label("runnable"), st(Size.DW, R7, f.state, STATE_RUNQ),
    label("next"),
    ldxDW(R1, R6, RAW_SWITCH.next),
    ...threadByTask(maps, f),
    ...now("next"),
    ...switchIn(maps, f),
    ...out(),
  ];
}

export function rawWakeupProgram(maps: RunCauseMaps, l: RunCauseLayout): Instruction[] {
  const f = fieldsAt(l.base);
  return [
    ldxDW(R1, R1, RAW_WAKEUP.task),
    ...threadByTask(maps, f),
    ...wakeUp(f),
  ];
}

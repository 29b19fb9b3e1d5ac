// run-cause on the scheduler tracepoints (sched_switch, sched_wakeup; perf or raw): on CPU, off CPU
// and run-queue time of a loop thread inside a run phase (blocks.ts says what is kept and why).
import {
  add64Imm, and64Imm, call, ja, jeq32Imm, jeqImm, jeqReg, jneImm, jneReg, label, ldMapFd, ldx, ldxDW, ldxW, mov64Imm, mov64Reg,
  st, stxDW, stxW, sub64Reg, type Instruction,
} from "../../bpf/asm/insn.js";
import { Helper, R0, R1, R2, R3, R4, R6, R7, R8, R9, R10, Size } from "../../bpf/asm/opcodes.js";
import { currentPidTgid } from "../loop-gap/pidns-asm.js";
import { ACCT, STATE_OFF, STATE_ON, STATE_RUNQ } from "./layout.js";
import {
  BPF_F_REUSE_STACKID, TASK_REPORT_MASK, addTo, endOffPeriod, fieldsAt, inPhase, lookupPending, lookupThread, now, out, taskBit, tidFilter,
  type Fields, type RunCauseLayout, type RunCauseMaps,
} from "./blocks.js";
/** Context offsets read from tracefs `format` files. */
export interface SchedOffsets {
  readonly prevPid: number;
  readonly prevState: number;
  readonly prevStateSize: 4 | 8;
  readonly nextPid: number;
  readonly wakeupPid: number;
}
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

// The run-cause programs, assembled at run time. They keep, per loop thread and only inside a run
// phase (sys_exit_<wait> → sys_enter_<wait>, the same rules as loop-gap), where its time went:
// on CPU, off CPU (sleeping/blocked), run queue (runnable, no CPU), per-syscall time, futex time,
// and the longest off-CPU wait with its kernel stack. The record is emitted with the block.
//
// Every transition adds (now - last_ts) to exactly one of on/off/runq and sets last_ts = now, so
// on + off + runq telescopes to end - start exactly.
//
// Ordering facts (linux 6.18 kernel/sched/core.c): trace_sched_switch fires in __schedule while
// prev is still current and p->on_cpu = 1; try_to_wake_up waits for on_cpu == 0
// (smp_cond_load_acquire) before trace_sched_wakeup, so the wakeup program never races the
// switch-out program of the same thread. sched_waking fires before that wait, so it is not used.
// Tracepoint programs do not nest on one CPU (bpf_prog_active, kernel/trace/bpf_trace.c).
import {
  add64Imm, add64Reg, and64Imm, atomicAdd, call, exit, ja, jeq32Imm, jeqImm, jeqReg, jgeReg, jltReg, jne32Imm, jneImm, jneReg, jsetImm, label, ld64,
  ldMapFd, ldMapValue, ldx, ldxDW, ldxW, mov64Imm, mov64Reg, rsh64Imm, st, stxDW, stxW, sub64Reg, type Instruction, type MapRef,
} from "../../bpf/asm/insn.js";
import { Helper, R0, R1, R2, R3, R4, R6, R7, R8, R9, R10, Size } from "../../bpf/asm/opcodes.js";
import type { WaitKind } from "../loop-gap/syscalls.js";
import { ACCT, RECORD, SLOT, SLOTS, STATE_OFF, STATE_ON, STATE_RUNQ, THREAD, THREAD_WAITS_IN_EPOLL } from "./layout.js";

/** bpf_get_stackid flag: replace a bucket holding another stack (include/uapi/linux/bpf.h). */
export const BPF_F_REUSE_STACKID = 1 << 10;
/** sched_switch prev_state: low byte = TASK_REPORT bits, 0 = TASK_RUNNING; 0x100 (TASK_REPORT_MAX)
 * = preempted (__trace_sched_switch_state, linux 6.18 include/trace/events/sched.h). Runnable iff
 * (prev_state & 0xff) == 0. */
export const TASK_REPORT_MASK = 0xff;

export interface RunCauseMaps {
  readonly targets: MapRef; // HASH u32 tgid → u32
  readonly threads: MapRef; // HASH u32 tid → THREAD
  readonly zero: MapRef; // ARRAY[1] of THREAD.size zero bytes: the initial value of a new thread
  readonly stacks: MapRef; // STACK_TRACE
  readonly events: MapRef; // RINGBUF
  readonly counters: MapRef; // ARRAY[1] COUNTERS
  readonly tasks: MapRef; // HASH u64 task_struct address → u32 tid (raw sched tracepoints)
  readonly pidBits: MapRef; // mmapable ARRAY[1] of FILTER_BYTES: byte [tgid & mask] set for targets (user space)
  readonly taskBits: MapRef; // ARRAY[1] of FILTER_BYTES: byte [(task >> 6) & mask] set for loop threads (kernel)
}

/**
 * Prefilters for the programs that run on every syscall and context switch of the system: one
 * byte read from a map value (no helper call, no hashing) rules out almost every unrelated task
 * before the hash lookup. A collision only costs that lookup.
 */
export const FILTER_BYTES = 1 << 16;
const FILTER_MASK = FILTER_BYTES - 1;
/** task_struct addresses are at least cache-line aligned: drop the low bits that never vary. */
const TASK_SHIFT = 6;

/** After get_current_pid_tgid (r0): jump to `miss` unless byte [tgid & mask] is set. Keeps r0; clobbers r1, r2. */
function pidFilter(maps: RunCauseMaps, miss: string): Instruction[] {
  return [
    mov64Reg(R1, R0), rsh64Imm(R1, 32), and64Imm(R1, FILTER_MASK),
    ldMapValue(R2, maps.pidBits, 0), add64Reg(R2, R1), ldx(Size.B, R1, R2, 0), jeqImm(R1, 0, miss),
  ];
}

/** r2 = &taskBits[(task in r1 >> 6) & mask]. Clobbers r2, r3. */
function taskBit(maps: RunCauseMaps): Instruction[] {
  return [mov64Reg(R3, R1), rsh64Imm(R3, TASK_SHIFT), and64Imm(R3, FILTER_MASK), ldMapValue(R2, maps.taskBits, 0), add64Reg(R2, R3)];
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

const out = (): Instruction[] => [label("out"), mov64Imm(R0, 0), exit()];

/** r0 = threads[tid at fp-4] (r1-r5 clobbered). */
const lookupThread = (maps: RunCauseMaps): Instruction[] => [
  ldMapFd(R1, maps.threads), mov64Reg(R2, R10), add64Imm(R2, -4), call(Helper.MapLookupElem),
];

/** sys_exit_<wait>: start a run phase (a thread already in one keeps it, as loop-gap). */
export function exitProgram(maps: RunCauseMaps, tid: number | undefined): Instruction[] {
  const zeroAcct: Instruction[] = [];
  for (let o = 0; o < ACCT.size; o += 8) zeroAcct.push(st(Size.DW, R7, THREAD.acct + o, 0));
  return [
    call(Helper.GetCurrentPidTgid),
    mov64Reg(R6, R0),
    ...(tid === undefined ? [] : [jne32Imm(R6, tid, "out")]),
    stxW(R10, -4, R6),
    ...lookupThread(maps),
    jneImm(R0, 0, "have"),
    // new thread of a target: threads[tid] = zero value (BPF_NOEXIST), then look it up again
    mov64Reg(R1, R6), rsh64Imm(R1, 32), stxW(R10, -8, R1),
    ldMapFd(R1, maps.targets), mov64Reg(R2, R10), add64Imm(R2, -8), call(Helper.MapLookupElem),
    jeqImm(R0, 0, "out"),
    ldMapFd(R1, maps.threads), mov64Reg(R2, R10), add64Imm(R2, -4), ldMapValue(R3, maps.zero, 0), mov64Imm(R4, 1),
    call(Helper.MapUpdateElem),
    ...lookupThread(maps),
    jeqImm(R0, 0, "out"),
    label("have"),
    mov64Reg(R7, R0),
    ldxDW(R1, R7, THREAD.runStart), jneImm(R1, 0, "out"),
    call(Helper.KtimeGetNs),
    mov64Reg(R1, R6), rsh64Imm(R1, 32), stxW(R7, THREAD.tgid, R1),
    st(Size.DW, R7, THREAD.state, STATE_ON), stxDW(R7, THREAD.lastTs, R0),
    st(Size.DW, R7, THREAD.curNr, -1), st(Size.DW, R7, THREAD.curSysStart, 0),
    st(Size.DW, R7, THREAD.offNr, -1), st(Size.DW, R7, THREAD.offStackid, -1),
    ...zeroAcct,
    st(Size.DW, R7, THREAD.acct + ACCT.longestNr, -1), st(Size.DW, R7, THREAD.acct + ACCT.longestStackid, -1),
    stxDW(R7, THREAD.runStart, R0), // last: the phase is open once every field is reset
    ...out(),
  ];
}

/** acct[field] += r2, with r7 = thread state. Clobbers r1. */
const addTo = (field: number): Instruction[] => [ldxDW(R1, R7, THREAD.acct + field), add64Reg(R1, R2), stxDW(R7, THREAD.acct + field, R1)];

/**
 * The previous task is switching out. In: tid key at fp-4, r9 = now. If it is a thread inside a
 * run phase and on CPU: r7 = its state, on-CPU time up to now added, lastTs = now; else to "next".
 */
const switchedOutOnCpu = (maps: RunCauseMaps): Instruction[] => [
  ...lookupThread(maps),
  jeqImm(R0, 0, "next"),
  mov64Reg(R7, R0),
  ldxDW(R1, R7, THREAD.runStart), jeqImm(R1, 0, "next"),
  ldxDW(R1, R7, THREAD.state), jneImm(R1, STATE_ON, "next"),
  mov64Reg(R2, R9), ldxDW(R1, R7, THREAD.lastTs), sub64Reg(R2, R1), ...addTo(ACCT.on),
  stxDW(R7, THREAD.lastTs, R9),
];

/** An off-CPU period of r2 ns ended: off += r2, and keep it if it is the longest. Clobbers r1, r3. */
function endOffPeriod(p: string): Instruction[] {
  return [
    ...addTo(ACCT.off),
    ldxDW(R1, R7, THREAD.acct + ACCT.longestOff), jgeReg(R1, R2, `${p}_kept`),
    stxDW(R7, THREAD.acct + ACCT.longestOff, R2),
    ldxDW(R3, R7, THREAD.offNr), stxDW(R7, THREAD.acct + ACCT.longestNr, R3),
    ldxDW(R3, R7, THREAD.offStackid), stxDW(R7, THREAD.acct + ACCT.longestStackid, R3),
    label(`${p}_kept`),
  ];
}

/**
 * sys_enter_<wait>: the run phase ends (same rules as loop-gap's enter program: a poll/select with
 * no fds is a sleep; a poll/select in a thread that waits in epoll is a callback's wait). When it
 * lasted ≥ threshold, close the last period and emit the record.
 */
export function enterProgram(maps: RunCauseMaps, thresholdNs: bigint, kind: WaitKind): Instruction[] {
  const fdset = kind.family === "fdset";
  const copy: Instruction[] = [];
  for (let o = 0; o < ACCT.size; o += 8) copy.push(ldxDW(R1, R7, THREAD.acct + o), stxDW(R0, RECORD.acct + o, R1));
  return [
    ...(fdset ? [ldx(kind.countSize === 8 ? Size.DW : Size.W, R2, R1, kind.countOffset), jeq32Imm(R2, 0, "out")] : []),
    call(Helper.GetCurrentPidTgid),
    mov64Reg(R6, R0),
    stxW(R10, -4, R6),
    ...lookupThread(maps),
    jeqImm(R0, 0, "out"),
    mov64Reg(R7, R0),
    ...(fdset ? [ldxW(R1, R7, THREAD.flags), jsetImm(R1, THREAD_WAITS_IN_EPOLL, "out")] : [st(Size.W, R7, THREAD.flags, THREAD_WAITS_IN_EPOLL)]),
    ldxDW(R8, R7, THREAD.runStart),
    jeqImm(R8, 0, "out"),
    call(Helper.KtimeGetNs),
    mov64Reg(R9, R0),
    st(Size.DW, R7, THREAD.runStart, 0),
    mov64Reg(R1, R9), sub64Reg(R1, R8), ld64(R2, thresholdNs), jltReg(R1, R2, "out"),
    // the last period, up to now, goes to the current state
    mov64Reg(R2, R9), ldxDW(R1, R7, THREAD.lastTs), sub64Reg(R2, R1),
    ldxDW(R3, R7, THREAD.state),
    jeqImm(R3, STATE_OFF, "last_off"), jeqImm(R3, STATE_RUNQ, "last_runq"),
    ...addTo(ACCT.on), ja("emit"),
    label("last_off"), ...addTo(ACCT.off), ja("emit"),
    label("last_runq"), ...addTo(ACCT.runq),
    label("emit"),
    ldMapFd(R1, maps.events), mov64Imm(R2, RECORD.size), mov64Imm(R3, 0), call(Helper.RingbufReserve),
    jneImm(R0, 0, "fill"),
    ldMapValue(R1, maps.counters, 0), mov64Imm(R2, 1), atomicAdd(Size.DW, R1, 0, R2),
    ja("out"),
    label("fill"),
    mov64Reg(R1, R6), rsh64Imm(R1, 32), stxW(R0, RECORD.tgid, R1),
    stxW(R0, RECORD.tid, R6),
    stxDW(R0, RECORD.start, R8),
    stxDW(R0, RECORD.end, R9),
    ...copy,
    mov64Reg(R1, R0), mov64Imm(R2, 0), call(Helper.RingbufSubmit),
    ...out(),
  ];
}

/** sched:sched_switch: prev leaves the CPU (runnable → run queue, else off CPU with its kernel stack); next gets it. */
export function switchProgram(maps: RunCauseMaps, o: SchedOffsets): Instruction[] {
  return [
    mov64Reg(R6, R1),
    call(Helper.KtimeGetNs), mov64Reg(R9, R0),
    // prev: threads[prev_pid] in a phase and on CPU
    ldxW(R1, R6, o.prevPid), stxW(R10, -4, R1),
    ...switchedOutOnCpu(maps),
    ldx(o.prevStateSize === 8 ? Size.DW : Size.W, R1, R6, o.prevState), and64Imm(R1, TASK_REPORT_MASK),
    jneImm(R1, 0, "sleeps"),
    st(Size.DW, R7, THREAD.state, STATE_RUNQ), ja("next"),
    label("sleeps"),
    st(Size.DW, R7, THREAD.state, STATE_OFF),
    ldxDW(R1, R7, THREAD.curNr), stxDW(R7, THREAD.offNr, R1),
    mov64Reg(R1, R6), ldMapFd(R2, maps.stacks), mov64Imm(R3, BPF_F_REUSE_STACKID), call(Helper.GetStackid),
    stxDW(R7, THREAD.offStackid, R0),
    // next: threads[next_pid] in a phase gets the CPU
    label("next"),
    ldxW(R1, R6, o.nextPid), stxW(R10, -4, R1),
    ...lookupThread(maps),
    jeqImm(R0, 0, "out"),
    mov64Reg(R7, R0),
    ldxDW(R1, R7, THREAD.runStart), jeqImm(R1, 0, "out"),
    mov64Reg(R2, R9), ldxDW(R1, R7, THREAD.lastTs), sub64Reg(R2, R1),
    ldxDW(R3, R7, THREAD.state),
    jeqImm(R3, STATE_RUNQ, "was_runq"), jneImm(R3, STATE_OFF, "running"),
    ...endOffPeriod("in"), ja("running"), // woken without a sched_wakeup seen: all of it was off CPU
    label("was_runq"), ...addTo(ACCT.runq),
    label("running"),
    st(Size.DW, R7, THREAD.state, STATE_ON), stxDW(R7, THREAD.lastTs, R9),
    ...out(),
  ];
}

/** sched:sched_wakeup: a sleeping loop thread becomes runnable; its off-CPU period ends. */
export function wakeupProgram(maps: RunCauseMaps, o: SchedOffsets): Instruction[] {
  return [
    ldxW(R2, R1, o.wakeupPid), stxW(R10, -4, R2),
    ...lookupThread(maps),
    jeqImm(R0, 0, "out"),
    mov64Reg(R7, R0),
    ldxDW(R1, R7, THREAD.runStart), jeqImm(R1, 0, "out"),
    ldxDW(R1, R7, THREAD.state), jneImm(R1, STATE_OFF, "out"), // a wakeup of a running task (ttwu_runnable)
    call(Helper.KtimeGetNs), mov64Reg(R9, R0),
    mov64Reg(R2, R9), ldxDW(R1, R7, THREAD.lastTs), sub64Reg(R2, R1),
    ...endOffPeriod("wake"),
    st(Size.DW, R7, THREAD.state, STATE_RUNQ), stxDW(R7, THREAD.lastTs, R9),
    ...out(),
  ];
}

/**
 * raw_syscalls:sys_enter: remember the syscall a loop thread enters inside a phase. `skipNrs`
 * (the epoll waits, which always end a phase) leave at once: a busy loop enters one per iteration.
 */
export function sysEnterProgram(maps: RunCauseMaps, o: RawSyscallOffsets, skipNrs: readonly number[] = []): Instruction[] {
  return [
    ldxDW(R6, R1, o.enterId),
    ...skipNrs.map((nr) => jeqImm(R6, nr, "out")),
    call(Helper.GetCurrentPidTgid), ...pidFilter(maps, "out"), stxW(R10, -4, R0),
    ...lookupThread(maps),
    jeqImm(R0, 0, "out"),
    mov64Reg(R7, R0),
    ldxDW(R1, R7, THREAD.runStart), jeqImm(R1, 0, "out"),
    call(Helper.KtimeGetNs),
    stxDW(R7, THREAD.curNr, R6), stxDW(R7, THREAD.curSysStart, R0),
    ...out(),
  ];
}

/**
 * raw_syscalls:sys_exit: add the syscall's time to its slot (first free slot for a new number,
 * "other" once all SLOTS are taken) and to futex time for `futexNrs`. A syscall entered before the
 * phase (the wait that opened it) has no start and is ignored.
 */
export function sysExitProgram(maps: RunCauseMaps, o: RawSyscallOffsets, futexNrs: readonly number[], skipNrs: readonly number[] = []): Instruction[] {
  const slots: Instruction[] = [];
  for (let i = 0; i < SLOTS; i++) {
    const at = THREAD.acct + ACCT.slots + i * SLOT.size;
    slots.push(ldxDW(R1, R7, at + SLOT.nrPlus1), jeqReg(R1, R8, `hit_${i}`), jeqImm(R1, 0, `claim_${i}`));
  }
  const bodies: Instruction[] = [];
  for (let i = 0; i < SLOTS; i++) {
    const at = THREAD.acct + ACCT.slots + i * SLOT.size;
    bodies.push(
      label(`claim_${i}`), stxDW(R7, at + SLOT.nrPlus1, R8),
      label(`hit_${i}`),
      ldxDW(R1, R7, at + SLOT.count), add64Imm(R1, 1), stxDW(R7, at + SLOT.count, R1),
      ...addTo(at - THREAD.acct + SLOT.ns),
      ja("out"),
    );
  }
  return [
    ...(o.exitId === null ? [] : [ldxDW(R6, R1, o.exitId), ...skipNrs.map((nr) => jeqImm(R6, nr, "out"))]),
    call(Helper.GetCurrentPidTgid), ...pidFilter(maps, "out"), stxW(R10, -4, R0),
    ...lookupThread(maps),
    jeqImm(R0, 0, "out"),
    mov64Reg(R7, R0),
    ldxDW(R1, R7, THREAD.runStart), jeqImm(R1, 0, "out"),
    ldxDW(R8, R7, THREAD.curSysStart), jeqImm(R8, 0, "out"),
    ldxDW(R1, R7, THREAD.curNr),
    st(Size.DW, R7, THREAD.curSysStart, 0), st(Size.DW, R7, THREAD.curNr, -1),
    ...(o.exitId === null ? [mov64Reg(R6, R1)] : [jneReg(R1, R6, "out")]),
    call(Helper.KtimeGetNs), mov64Reg(R2, R0), sub64Reg(R2, R8), // r2 = duration
    ...futexNrs.flatMap((nr) => [jeqImm(R6, nr, "futex")]),
    ja("slots"),
    label("futex"), ...addTo(ACCT.futex),
    label("slots"),
    mov64Reg(R8, R6), add64Imm(R8, 1), // r8 = nr + 1
    ...slots,
    ldxDW(R1, R7, THREAD.acct + ACCT.otherCount), add64Imm(R1, 1), stxDW(R7, THREAD.acct + ACCT.otherCount, R1),
    ...addTo(ACCT.otherNs),
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
 * before it can be woken or switched in, so the pointer is known when it is needed.
 */
export const RAW_SWITCH = { preempt: 0, prev: 8, next: 16, prevState: 24 } as const;
export const RAW_WAKEUP = { task: 0 } as const;

/** Switch-in of the thread whose state is in r7 (r9 = now): close the OFF or RUNQ period. */
function switchIn(): Instruction[] {
  return [
    mov64Reg(R2, R9), ldxDW(R1, R7, THREAD.lastTs), sub64Reg(R2, R1),
    ldxDW(R3, R7, THREAD.state),
    jeqImm(R3, STATE_RUNQ, "was_runq"), jneImm(R3, STATE_OFF, "running"),
    ...endOffPeriod("in"), ja("running"),
    label("was_runq"), ...addTo(ACCT.runq),
    label("running"),
    st(Size.DW, R7, THREAD.state, STATE_ON), stxDW(R7, THREAD.lastTs, R9),
  ];
}

/** r7 = threads[tasks[task pointer in r1]] in a phase, else jump to "out". */
function threadByTask(maps: RunCauseMaps): Instruction[] {
  return [
    stxDW(R10, -16, R1),
    ...taskBit(maps), ldx(Size.B, R2, R2, 0), jeqImm(R2, 0, "out"),
    ldMapFd(R1, maps.tasks), mov64Reg(R2, R10), add64Imm(R2, -16), call(Helper.MapLookupElem),
    jeqImm(R0, 0, "out"),
    ldxW(R1, R0, 0), stxW(R10, -4, R1),
    ...lookupThread(maps),
    jeqImm(R0, 0, "out"),
    mov64Reg(R7, R0),
    ldxDW(R1, R7, THREAD.runStart), jeqImm(R1, 0, "out"),
  ];
}

export function rawSwitchProgram(maps: RunCauseMaps): Instruction[] {
  return [
    mov64Reg(R6, R1),
    call(Helper.KtimeGetNs), mov64Reg(R9, R0),
    // prev is current: threads[tid] in a phase and on CPU
    call(Helper.GetCurrentPidTgid), ...pidFilter(maps, "next"), stxW(R10, -4, R0),
    ...switchedOutOnCpu(maps),
    // learn the thread's task pointer once: tasks[prev] = tid (key at fp-16, tid still at fp-4)
    ldxDW(R1, R6, RAW_SWITCH.prev), ldxDW(R2, R7, THREAD.task), jeqReg(R1, R2, "known"),
    stxDW(R7, THREAD.task, R1), stxDW(R10, -16, R1),
    ...taskBit(maps), st(Size.B, R2, 0, 1),
    ldMapFd(R1, maps.tasks), mov64Reg(R2, R10), add64Imm(R2, -16), mov64Reg(R3, R10), add64Imm(R3, -4), mov64Imm(R4, 0),
    call(Helper.MapUpdateElem),
    label("known"),
    // runnable (preempted, or state TASK_RUNNING) → run queue; else off CPU with its kernel stack
    ldxDW(R1, R6, RAW_SWITCH.preempt), jneImm(R1, 0, "runnable"),
    ldxDW(R1, R6, RAW_SWITCH.prevState), jeq32Imm(R1, 0, "runnable"),
    st(Size.DW, R7, THREAD.state, STATE_OFF),
    ldxDW(R1, R7, THREAD.curNr), stxDW(R7, THREAD.offNr, R1),
    mov64Reg(R1, R6), ldMapFd(R2, maps.stacks), mov64Imm(R3, BPF_F_REUSE_STACKID), call(Helper.GetStackid),
    stxDW(R7, THREAD.offStackid, R0),
    ja("next"),
    label("runnable"), st(Size.DW, R7, THREAD.state, STATE_RUNQ),
    label("next"),
    ldxDW(R1, R6, RAW_SWITCH.next),
    ...threadByTask(maps),
    ...switchIn(),
    ...out(),
  ];
}

export function rawWakeupProgram(maps: RunCauseMaps): Instruction[] {
  return [
    ldxDW(R1, R1, RAW_WAKEUP.task),
    ...threadByTask(maps),
    ldxDW(R1, R7, THREAD.state), jneImm(R1, STATE_OFF, "out"),
    call(Helper.KtimeGetNs), mov64Reg(R9, R0),
    mov64Reg(R2, R9), ldxDW(R1, R7, THREAD.lastTs), sub64Reg(R2, R1),
    ...endOffPeriod("wake"),
    st(Size.DW, R7, THREAD.state, STATE_RUNQ), stxDW(R7, THREAD.lastTs, R9),
    ...out(),
  ];
}

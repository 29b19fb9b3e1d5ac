// Loop-gap on raw_syscalls:sys_enter/sys_exit (config.rawSyscalls): one raw tracepoint program
// on each, dispatching on the syscall, instead of perf programs on each wait syscall's own
// tracepoints. Every syscall of the system runs a few instructions here, so this only pays when a
// companion needs raw_syscalls anyway (cause accounting): it runs as a tail call of these
// programs (SLOT_ENTER, SLOT_EXIT), and each raw tracepoint keeps a single probe. Why that
// matters (linux 6.18): the syscalls:* tracepoints are themselves a probe on raw sys_enter/exit
// (perf_syscall_enter/exit, kernel/trace/trace_syscalls.c); a second probe turns the tracepoint's
// static call into a walk of its probe list, with a retpoline per probe on CPUs that need them,
// and the perf path builds a record (buffer, six arguments) before running a program at all.
//
// What the programs see: sys_enter(regs, id), sys_exit(regs, ret). sys_exit has no id, so:
//   - a tracked thread (an entry in threads) whose run_start is 0 is returning from the wait that
//     cleared it (a thread has one syscall at a time): its phase starts now;
//   - an untracked thread of a target process (a byte per tgid says "maybe": tgidBits) reads its
//     syscall number from pt_regs; a wait's exit creates its entry as exitProgram does — a thread
//     that was already waiting when the probe opened is found on its first return.
// Syscall arguments (the fd count of poll/select) are read from pt_regs too (bpf_probe_read_kernel).
//
// 32-bit (compat) syscalls reach raw_syscalls with their own numbers, which this table does not
// know; the syscalls:* tracepoints skip them. A 32-bit target is not supported in this mode.
import {
  add64Imm, add64Reg, and64Imm, call, exit, ja, jeq32Imm, jeqImm, jne32Imm, jneImm, label, ldMapFd, ldMapValue, ldx, ldxDW, ldxW,
  mov64Imm, mov64Reg, rsh64Imm, st, stxDW, stxW, type Instruction, type MapRef,
} from "../../bpf/asm/insn.js";
import { Helper, R0, R1, R2, R3, R6, R8, R10, Size } from "../../bpf/asm/opcodes.js";
import { RAW_SYS_ENTER_ID, RAW_SYS_REGS } from "../../bpf/raw-tracepoint.js";
import { endPhase, epollWaitFlags, fdsetWaitFlags, newThread, stampWaitExit, type LoopGapMaps, type LoopGapProgramOptions } from "./program.js";
import { TID_FILTER_BYTES } from "./layout.js";
import { TGID_FILTER_BYTES } from "./tgid-filter.js";
import type { WaitSyscall } from "./wait-syscalls.js";

/** Tail-call slots of the companion's programs (LoopGapProbe.companion.syscallTailCalls). */
export const SLOT_ENTER = 0;
export const SLOT_EXIT = 1;
export { TGID_FILTER_BYTES };

export interface RawArch {
  /** Syscall numbers of the wait syscalls this architecture has. */
  readonly nrs: Partial<Record<WaitSyscall, number>>;
  /** struct pt_regs: where the syscall number is, and its size. */
  readonly nr: { readonly offset: number; readonly size: 4 | 8 };
  /** struct pt_regs: where argument i is at sys_enter. */
  readonly args: readonly number[];
}

/**
 * Per architecture (linux 6.18). x86_64: arch/x86/entry/syscalls/syscall_64.tbl; struct pt_regs
 * (arch/x86/include/asm/ptrace.h) r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax …,
 * 8 bytes each: args di, si, dx, r10, r8, r9; the number in orig_ax. arm64: asm-generic/unistd.h
 * (no epoll_wait, poll or select); struct pt_regs (arch/arm64/include/asm/ptrace.h) regs[31], sp,
 * pc, pstate, orig_x0 (272), s32 syscallno (280): arg 0 is orig_x0 (x0 is the return value on
 * the way out), args 1–5 in x1–x5. arm64 is written from the headers, not run here.
 */
export const RAW_ARCHES: Readonly<Record<string, RawArch>> = {
  x64: {
    nrs: { epoll_wait: 232, epoll_pwait: 281, epoll_pwait2: 441, poll: 7, ppoll: 271, select: 23, pselect6: 270 },
    nr: { offset: 120, size: 8 },
    args: [112, 104, 96, 56, 72, 64],
  },
  arm64: {
    nrs: { epoll_pwait: 22, epoll_pwait2: 441, ppoll: 73, pselect6: 72 },
    nr: { offset: 280, size: 4 },
    args: [272, 8, 16, 24, 32, 40],
  },
};

export interface RawMaps extends LoopGapMaps {
  readonly tailCalls: MapRef; // PROG_ARRAY[2]: the companion's sys_enter and sys_exit programs
  readonly tgidBits: MapRef; // mmapable ARRAY[1] of TGID_FILTER_BYTES
}

/** A wait syscall this mode handles: its number, and (poll/select) which argument counts its fds. */
export interface RawWait {
  readonly nr: number;
  readonly countArg?: number;
}

/** Stack slots (the shared blocks use -4 … -16; NS_BUF, -32, is namespace mode, which this is not). */
const CTX = -40;
const WANTS_COMPANION = -44; // u32: 0 after an epoll wait (it always ends a phase; the companion skips them)

const tailCall = (maps: RawMaps, slot: number): Instruction[] => [
  ldxDW(R1, R10, CTX), ldMapFd(R2, maps.tailCalls), mov64Imm(R3, slot), call(Helper.TailCall),
];

/**
 * raw sys_enter: a wait ends the thread's run phase (enterProgram's rules); any other syscall, and
 * a poll/select wait, goes on to the companion's sys_enter program.
 */
export function rawEnterProgram(maps: RawMaps, o: LoopGapProgramOptions, arch: RawArch, waits: readonly RawWait[]): Instruction[] {
  const dispatch: Instruction[] = [];
  for (const w of waits) dispatch.push(jeqImm(R8, w.nr, w.countArg === undefined ? "epoll" : `fdset_${w.countArg}`));
  const countArgs = [...new Set(waits.flatMap((w) => (w.countArg === undefined ? [] : [w.countArg])))];
  const reads: Instruction[] = [];
  for (const i of countArgs) {
    // a poll/select with no fds is a sleep, not a wait: the phase goes on
    reads.push(
      label(`fdset_${i}`),
      ldxDW(R3, R1, RAW_SYS_REGS), add64Imm(R3, arch.args[i] ?? 0),
      mov64Reg(R1, R10), add64Imm(R1, -8), mov64Imm(R2, 8), call(Helper.ProbeReadKernel),
      jneImm(R0, 0, "out"),
      ldxW(R1, R10, -8), jeq32Imm(R1, 0, "out"),
      ja("wait"),
    );
  }
  return [
    stxDW(R10, CTX, R1), st(Size.W, R10, WANTS_COMPANION, 1),
    ldxDW(R8, R1, RAW_SYS_ENTER_ID),
    ...dispatch,
    ja("out"),
    ...reads,
    label("epoll"), st(Size.W, R10, WANTS_COMPANION, 0),
    label("wait"),
    call(Helper.GetCurrentPidTgid), mov64Reg(R6, R0),
    ...(o.tid === undefined ? [] : [jne32Imm(R6, o.tid, "out")]),
    ...endPhase(maps, o, [
      ldxW(R1, R10, WANTS_COMPANION), jeqImm(R1, 0, "epoll_flags"),
      ...fdsetWaitFlags(), ja("flags_done"),
      label("epoll_flags"), ...epollWaitFlags(),
      label("flags_done"),
    ]),
    label("out"),
    ldxW(R1, R10, WANTS_COMPANION), jeqImm(R1, 0, "done"),
    ...tailCall(maps, SLOT_ENTER),
    label("done"), mov64Imm(R0, 0), exit(),
  ];
}

/**
 * raw sys_exit: a tracked thread leaving the wait that ended its phase starts a new one; in a
 * phase, its syscall goes on to the companion's sys_exit program; an untracked thread of a target
 * leaving a wait gets its entry (newThread).
 */
export function rawExitProgram(maps: RawMaps, o: LoopGapProgramOptions, arch: RawArch, waits: readonly RawWait[]): Instruction[] {
  return [
    stxDW(R10, CTX, R1),
    call(Helper.GetCurrentPidTgid), mov64Reg(R6, R0),
    ...(o.tid === undefined ? [] : [jne32Imm(R6, o.tid, "out")]),
    // tid filter byte, then the entry
    mov64Reg(R1, R6), and64Imm(R1, TID_FILTER_BYTES - 1), ldMapValue(R2, maps.tidBits, 0), add64Reg(R2, R1), ldx(Size.B, R1, R2, 0),
    jeqImm(R1, 0, "untracked"),
    ...stampWaitExit(maps, "untracked", "companion"),
    label("companion"),
    ...tailCall(maps, SLOT_EXIT),
    ja("out"),
    // not tracked: a target's thread (maybe) leaving a wait?
    label("untracked"),
    mov64Reg(R1, R6), rsh64Imm(R1, 32), and64Imm(R1, TGID_FILTER_BYTES - 1), ldMapValue(R2, maps.tgidBits, 0), add64Reg(R2, R1), ldx(Size.B, R1, R2, 0),
    jeqImm(R1, 0, "out"),
    st(Size.DW, R10, -16, 0),
    ldxDW(R1, R10, CTX), ldxDW(R3, R1, RAW_SYS_REGS), add64Imm(R3, arch.nr.offset),
    mov64Reg(R1, R10), add64Imm(R1, -16), mov64Imm(R2, arch.nr.size), call(Helper.ProbeReadKernel),
    jneImm(R0, 0, "out"),
    ldx(arch.nr.size === 8 ? Size.DW : Size.W, R8, R10, -16),
    ...waits.map((w) => jeqImm(R8, w.nr, "wait_exit")),
    ja("out"),
    label("wait_exit"),
    stxW(R10, -4, R6),
    ...newThread(maps),
    label("out"), mov64Imm(R0, 0), exit(),
  ];
}

/** The waits of `names` this architecture has numbers for; undefined when it is not in RAW_ARCHES. */
export function rawWaits(arch: string, names: readonly { name: WaitSyscall; countArg?: number }[]): { arch: RawArch; waits: RawWait[] } | undefined {
  const a = RAW_ARCHES[arch];
  if (a === undefined) return undefined;
  const waits: RawWait[] = [];
  for (const n of names) {
    const nr = a.nrs[n.name];
    if (nr !== undefined) waits.push(n.countArg === undefined ? { nr } : { nr, countArg: n.countArg });
  }
  return { arch: a, waits };
}

// Following a target's descendants in the kernel: sched:sched_process_fork adds a target's child
// to the targets map before the child first runs; sched:sched_process_exit removes entries of
// tasks that exit. User space learns them with LoopGapProbe.targets().
//
// sched_process_fork fires in the parent (kernel_clone → trace_sched_process_fork(current, p),
// linux 6.18 kernel/fork.c) for processes *and* threads; its parent_pid is the forking thread's
// tid, so the parent's tgid is taken from the helper instead. A new thread's child_pid (a tid)
// lands in the map too: harmless (a live tid never equals another process's tgid), and removed
// when that thread exits (below) or by pruneTargets().
import {
  add64Imm, add64Reg, and64Imm, call, exit, ldMapValue, ja, jeqImm, jeqReg, label, ldMapFd, ldx, ldxW, mov32Reg, mov64Imm, mov64Reg, rsh64Imm, st, stxW,
  type Instruction, type MapRef,
} from "../../bpf/asm/insn.js";
import { Helper, R0, R1, R2, R3, R4, R6, R9, R10, Size } from "../../bpf/asm/opcodes.js";
import { currentPidTgid } from "./pidns-asm.js";
import { TGID_FILTER_BYTES } from "./tgid-filter.js";
import type { PidNamespace } from "./nspid.js";

export interface DescendantMaps {
  readonly targets: MapRef; // HASH u32 tgid → u32
  /**
   * With a PID namespace only: HASH u32 init-namespace pid → u32. The tracepoint's child_pid is
   * an init-namespace id (task->pid) and no helper translates another task's pid, so the child
   * is parked here and adopted (added to targets under its namespace tgid) by the wait-exit
   * program the first time it returns from a wait (program.ts exitProgram).
   */
  readonly pending?: MapRef;
  /** raw_syscalls mode: mmapable ARRAY[1] of TGID_FILTER_BYTES; the child's byte is set with its entry. */
  readonly tgidBits?: MapRef;
}

/** Field offsets read from tracefs `format` (sched_process_fork child_pid; sched_process_exit group_dead when present). */
export interface ForkFields {
  readonly childPid: number;
}
export interface ExitFields {
  /** `bool group_dead` (present in linux 6.18's format; absent on older kernels). */
  readonly groupDead?: number;
}

/** sched_process_fork: if the current task's tgid is a target, targets[child_pid] = 1 (or pending[child_pid] with a namespace). */
export function forkProgram(maps: DescendantMaps, f: ForkFields, ns: PidNamespace | undefined): Instruction[] {
  const into = ns !== undefined && maps.pending !== undefined ? maps.pending : maps.targets;
  return [
    mov64Reg(R9, R1), // r9 = ctx
    ...currentPidTgid(ns),
    rsh64Imm(R0, 32), stxW(R10, -4, R0),
    ldMapFd(R1, maps.targets), mov64Reg(R2, R10), add64Imm(R2, -4), call(Helper.MapLookupElem),
    jeqImm(R0, 0, "out"),
    ldxW(R1, R9, f.childPid), stxW(R10, -8, R1), st(Size.W, R10, -12, 1),
    ldMapFd(R1, into), mov64Reg(R2, R10), add64Imm(R2, -8), mov64Reg(R3, R10), add64Imm(R3, -12),
    mov64Imm(R4, 0), call(Helper.MapUpdateElem), // BPF_ANY; a full map (1024) just does not follow
    ...(maps.tgidBits === undefined ? [] : [
      ldxW(R1, R9, f.childPid), and64Imm(R1, TGID_FILTER_BYTES - 1), ldMapValue(R2, maps.tgidBits, 0), add64Reg(R2, R1), st(Size.B, R2, 0, 1),
    ]),
    label("out"), mov64Imm(R0, 0), exit(),
  ];
}

/**
 * sched_process_exit (fires in the exiting task, do_exit): a non-leader thread removes
 * targets[tid] (an entry fork added for it); the group's end removes targets[tgid] — when the
 * last thread exits (group_dead) if the kernel says so, else when the leader exits.
 */
export function exitTaskProgram(maps: DescendantMaps, f: ExitFields, ns: PidNamespace | undefined): Instruction[] {
  const pending = ns !== undefined ? maps.pending : undefined;
  return [
    mov64Reg(R9, R1), // r9 = ctx
    ...(pending === undefined ? [] : [
      // pending[init-ns tid] goes too (a child that exited before it ever waited)
      call(Helper.GetCurrentPidTgid), stxW(R10, -16, R0),
      ldMapFd(R1, pending), mov64Reg(R2, R10), add64Imm(R2, -16), call(Helper.MapDeleteElem),
    ]),
    ...currentPidTgid(ns),
    mov64Reg(R6, R0),
    stxW(R10, -4, R6), mov64Reg(R1, R6), rsh64Imm(R1, 32), stxW(R10, -8, R1),
    mov32Reg(R1, R6), mov64Reg(R2, R6), rsh64Imm(R2, 32),
    jeqReg(R1, R2, "leader"),
    ldMapFd(R1, maps.targets), mov64Reg(R2, R10), add64Imm(R2, -4), call(Helper.MapDeleteElem),
    ...(f.groupDead === undefined ? [ja("out")] : [ja("group")]),
    label("leader"),
    ...(f.groupDead === undefined ? [] : [label("group"), ldx(Size.B, R1, R9, f.groupDead), jeqImm(R1, 0, "out")]),
    ldMapFd(R1, maps.targets), mov64Reg(R2, R10), add64Imm(R2, -8), call(Helper.MapDeleteElem),
    label("out"), mov64Imm(R0, 0), exit(),
  ];
}

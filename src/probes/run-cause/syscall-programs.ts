// run-cause on raw_syscalls: which syscall a loop thread is in, and for how long (blocks.ts says
// what the programs keep and why).
import {
  add64Imm, call, ja, jeqImm, jeqReg, jneReg, label, ldxDW, mov64Reg, st, stxDW, stxW, sub64Reg, type Instruction,
} from "../../bpf/asm/insn.js";
import { Helper, R0, R1, R2, R6, R7, R8, R10, Size } from "../../bpf/asm/opcodes.js";
import { currentPidTgid } from "../loop-gap/pidns-asm.js";
import { ACCT, SLOT, SLOTS } from "./layout.js";
import { addTo, fieldsAt, inPhase, lookupPending, lookupThread, out, tidFilter, type RunCauseLayout, type RunCauseMaps } from "./blocks.js";
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

// The run-cause programs: what the kernel keeps and the blocks they share (blocks.ts), the
// scheduler programs (sched-programs.ts), the syscall programs (syscall-programs.ts).
export { BPF_F_REUSE_STACKID, TASK_FILTER_BYTES, TASK_REPORT_MASK, type RunCauseLayout, type RunCauseMaps } from "./blocks.js";
export { RAW_SWITCH, RAW_WAKEUP, rawSwitchProgram, rawWakeupProgram, switchProgram, wakeupProgram, type SchedOffsets } from "./sched-programs.js";
export { sysEnterProgram, sysExitProgram, type RawSyscallOffsets } from "./syscall-programs.js";

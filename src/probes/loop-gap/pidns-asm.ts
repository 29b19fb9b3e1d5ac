// The current task's ids, in the initial PID namespace or in a chosen one. Shared by every
// loop-gap program so the namespace rule exists once.
import { add64Imm, call, jneImm, ld64, ldxDW, mov64Imm, mov64Reg, type Instruction } from "../../bpf/asm/insn.js";
import { Helper, R0, R1, R2, R3, R4, R10 } from "../../bpf/asm/opcodes.js";
import type { PidNamespace } from "./nspid.js";

/** Stack slot of the helper's struct bpf_pidns_info (8 bytes); the programs keep -24..-1 for themselves. */
const NS_BUF = -32;

/**
 * r0 = tgid << 32 | tid of the current task. Without a namespace: bpf_get_current_pid_tgid
 * (init-namespace ids, linux kernel/bpf/helpers.c). With one: bpf_get_ns_current_pid_tgid(dev,
 * ino, &info, 8) (id 120, linux 5.7), which fills struct bpf_pidns_info { u32 pid (the thread
 * id); u32 tgid; } — read as one little-endian u64 that is exactly tgid << 32 | tid. It fails
 * (-EINVAL/-ENOENT) unless the task's active namespace is exactly (dev, ino) (ns_match): such a
 * task is not ours, and the program jumps to `miss` ("out" unless given). Clobbers r1–r5.
 */
export function currentPidTgid(ns: PidNamespace | undefined, miss = "out"): Instruction[] {
  if (ns === undefined) return [call(Helper.GetCurrentPidTgid)];
  return [
    ld64(R1, ns.dev), ld64(R2, ns.ino), mov64Reg(R3, R10), add64Imm(R3, NS_BUF), mov64Imm(R4, 8),
    call(Helper.GetNsCurrentPidTgid),
    jneImm(R0, 0, miss),
    ldxDW(R0, R10, NS_BUF),
  ];
}

// Choose the live memory backend: process_vm_readv, else /proc/PID/mem.
import { ProcMemMemory } from "./proc-mem.js";
import { VmReadvMemory } from "./process-vm.js";
import type { ProcessMemory } from "./types.js";

export function openMemory(pid: number): ProcessMemory {
  try {
    return new VmReadvMemory(pid);
  } catch {
    return new ProcMemMemory(pid); // koffi unavailable (unusual platform): pread works everywhere
  }
}

// Syscall names from the kernel's table for the architecture (generated data in syscall-table.ts).
import { ARM64_SYSCALLS, X86_64_SYSCALLS } from "./syscall-table.js";

export type Arch = "x64" | "arm64";

const TABLES: Record<Arch, Readonly<Record<number, string>>> = { x64: X86_64_SYSCALLS, arm64: ARM64_SYSCALLS };

/** `process.arch` as a supported architecture, or undefined. */
export function archOf(arch: string): Arch | undefined {
  return arch === "x64" || arch === "arm64" ? arch : undefined;
}

/** The syscall's name, or "syscall_<nr>" when the table does not know it. */
export function syscallName(nr: number, arch: Arch): string {
  return TABLES[arch][nr] ?? `syscall_${nr}`;
}

/** Numbers of the syscalls that wait on a futex word: futex, futex_waitv (5.16), futex_wait (6.7). */
export function futexNumbers(arch: Arch): number[] {
  const t = TABLES[arch];
  return Object.keys(t).map(Number).filter((nr) => ["futex", "futex_waitv", "futex_wait"].includes(t[nr] ?? ""));
}

/** Numbers of the epoll wait syscalls the architecture has (arm64 has no epoll_wait). */
export function epollWaitNumbers(arch: Arch): number[] {
  const t = TABLES[arch];
  return Object.keys(t).map(Number).filter((nr) => ["epoll_wait", "epoll_pwait", "epoll_pwait2"].includes(t[nr] ?? ""));
}

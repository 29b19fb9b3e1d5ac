/** raw_syscalls mode: one byte per (tgid & (TGID_FILTER_BYTES - 1)), set for targets (user space, the fork program), never cleared. */
export const TGID_FILTER_BYTES = 1 << 16;

// caps: the effective capability set from /proc/PID/status ("CapEff:\t000001ffffffffff").
// Numbers from include/uapi/linux/capability.h; CAP_PERFMON and CAP_BPF exist since Linux 5.8.

export const CAP = {
  SYS_PTRACE: 19,
  SYS_ADMIN: 21,
  SYS_RESOURCE: 24,
  PERFMON: 38,
  BPF: 39,
} as const;
export type CapName = keyof typeof CAP;

/** The bit mask of a capability hex field, or undefined when the line is missing or malformed. */
export function parseCapField(status: string, field: "CapEff" | "CapPrm" | "CapBnd" = "CapEff"): bigint | undefined {
  const m = new RegExp(`^${field}:\\s*([0-9a-fA-F]+)\\s*$`, "m").exec(status);
  return m?.[1] === undefined ? undefined : BigInt(`0x${m[1]}`);
}

export function hasCap(mask: bigint, cap: CapName): boolean {
  return ((mask >> BigInt(CAP[cap])) & 1n) === 1n;
}

/** Which capabilities of `names` the mask holds and which it lacks, as CAP_* names. */
export function splitCaps(mask: bigint, names: readonly CapName[]): { have: string[]; missing: string[] } {
  const have: string[] = [];
  const missing: string[] = [];
  for (const n of names) (hasCap(mask, n) ? have : missing).push(`CAP_${n}`);
  return { have, missing };
}

/**
 * Loading and attaching tracing programs: CAP_BPF + CAP_PERFMON (Linux 5.8+), or CAP_SYS_ADMIN,
 * which covers both (kernel/bpf/syscall.c bpf_capable(), perfmon_capable()).
 */
export function canTrace(mask: bigint): boolean {
  return hasCap(mask, "SYS_ADMIN") || (hasCap(mask, "BPF") && hasCap(mask, "PERFMON"));
}

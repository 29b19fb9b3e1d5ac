// privileges: what this process may do — its effective capabilities and the sysctls that gate
// bpf(), perf_event_open() and ptrace-style memory reads.
import { canTrace, hasCap, parseCapField, splitCaps } from "./caps.js";
import { fail, ok, warn, type Check } from "./check.js";
import { readInt, readText } from "./procfs.js";

const ROOT_HINT = "run as root (sudo), or grant CAP_BPF + CAP_PERFMON (Linux ≥ 5.8; CAP_SYS_ADMIN before), plus CAP_SYS_PTRACE for stacks";

/** CapEff of this process, or undefined when /proc/self/status has none. */
export function ownCaps(): bigint | undefined {
  const r = readText("/proc/self/status");
  return r.ok ? parseCapField(r.text) : undefined;
}

export function capabilityChecks(caps: bigint | undefined): Check[] {
  if (caps === undefined) return [warn("capabilities", "cannot read CapEff from /proc/self/status", ROOT_HINT)];
  const { have, missing } = splitCaps(caps, ["BPF", "PERFMON", "SYS_ADMIN", "SYS_PTRACE"]);
  const list = `have ${have.join(", ") || "none"}${missing.length > 0 ? `; missing ${missing.join(", ")}` : ""}`;
  const bpf = canTrace(caps)
    ? ok("capabilities", list)
    : fail("capabilities", `${list}: cannot load or attach tracing programs`, ROOT_HINT);
  const ptrace = hasCap(caps, "SYS_PTRACE")
    ? ok("ptrace-capability", "CAP_SYS_PTRACE: stacks of any user's process can be read")
    : warn("ptrace-capability", "no CAP_SYS_PTRACE: stacks only of this user's processes", "grant CAP_SYS_PTRACE, or use --no-stacks");
  return [bpf, ptrace];
}

/** Reads an integer sysctl by its /proc/sys path; tests pass a table. */
export type SysctlReader = (path: string) => number | undefined;

export function sysctlChecks(caps: bigint | undefined, read: SysctlReader = readInt): Check[] {
  const mask = caps ?? 0n;
  return [unprivilegedBpf(mask, read), perfParanoid(mask, read), ptraceScope(mask, read)];
}

function unprivilegedBpf(caps: bigint, read: SysctlReader): Check {
  const v = read("/proc/sys/kernel/unprivileged_bpf_disabled");
  const detail = `kernel.unprivileged_bpf_disabled = ${v ?? "absent"}`;
  if (hasCap(caps, "BPF") || hasCap(caps, "SYS_ADMIN")) return ok("unprivileged-bpf", `${detail} (no effect with CAP_BPF/CAP_SYS_ADMIN)`);
  // Tracing program types need CAP_BPF + CAP_PERFMON whatever this says; it only opens socket filters.
  return warn("unprivileged-bpf", `${detail}; tracing programs need CAP_BPF anyway`, ROOT_HINT);
}

function perfParanoid(caps: bigint, read: SysctlReader): Check {
  const v = read("/proc/sys/kernel/perf_event_paranoid");
  const detail = `kernel.perf_event_paranoid = ${v ?? "absent"}`;
  if (hasCap(caps, "PERFMON") || hasCap(caps, "SYS_ADMIN")) return ok("perf-paranoid", `${detail} (no effect with CAP_PERFMON/CAP_SYS_ADMIN)`);
  if (v !== undefined && v <= -1) return ok("perf-paranoid", `${detail}: tracepoint perf events open without CAP_PERFMON`);
  return warn("perf-paranoid", `${detail}: opening tracepoint perf events needs CAP_PERFMON`, ROOT_HINT);
}

function ptraceScope(caps: bigint, read: SysctlReader): Check {
  const v = read("/proc/sys/kernel/yama/ptrace_scope");
  const ptrace = hasCap(caps, "SYS_PTRACE");
  if (v === undefined) return ok("ptrace-scope", "Yama not enabled: classic ptrace rules (same user, or CAP_SYS_PTRACE)");
  const detail = `kernel.yama.ptrace_scope = ${v}`;
  // Documentation/admin-guide/LSM/Yama.rst: 1 = descendants only, 2 = CAP_SYS_PTRACE only, 3 = nobody (until reboot).
  if (v === 0) return ok("ptrace-scope", `${detail} (classic)`);
  if (v === 3) return warn("ptrace-scope", `${detail}: no process may read another's memory, so no stacks`, "reboot with kernel.yama.ptrace_scope ≤ 2, or use --no-stacks");
  if (ptrace) return ok("ptrace-scope", `${detail} (no effect with CAP_SYS_PTRACE)`);
  const what = v === 1 ? "only descendants' stacks (launch mode)" : "no stacks without CAP_SYS_PTRACE";
  return warn("ptrace-scope", `${detail}: ${what}`, "grant CAP_SYS_PTRACE, or launch the program under blocksnoop (blocksnoop -- CMD)");
}

// host: the kernel, the architecture, namespaces and lockdown — what this machine allows at all.
import os from "node:os";
import { syscallNumbersFor } from "../bpf/sys/numbers.js"; // pure table, no FFI: the toolkit's own list of arches
import { fail, ok, type Check } from "./check.js";
import { formatKernel, kernelAtLeast, parseKernelRelease } from "./kernel.js";
import { INIT_PID_NS_INO, INIT_USER_NS_INO, nsInode, parseLockdown, readText } from "./procfs.js";

/** The BPF ring buffer (BPF_MAP_TYPE_RINGBUF) arrived in Linux 5.8, with CAP_BPF and CAP_PERFMON. */
export const MINIMUM_KERNEL = "5.8";

export function kernelCheck(release: string = os.release()): Check {
  const v = parseKernelRelease(release);
  if (v === undefined) return fail("kernel", `cannot read the version in '${release}'`, `blocksnoop needs Linux ≥ ${MINIMUM_KERNEL}`);
  if (kernelAtLeast(release, MINIMUM_KERNEL)) return ok("kernel", `Linux ${formatKernel(v)} (${release}); ≥ ${MINIMUM_KERNEL} has the BPF ring buffer`);
  return fail("kernel", `Linux ${formatKernel(v)} is older than ${MINIMUM_KERNEL} (no BPF ring buffer, no CAP_BPF)`, `upgrade the kernel to ≥ ${MINIMUM_KERNEL}`);
}

export function archCheck(arch: string = process.arch, machine: string = os.machine()): Check {
  if (syscallNumbersFor(arch) !== undefined) return ok("arch", `${machine} (node: ${arch})`);
  return fail("arch", `${machine} (node: ${arch}) is not supported: no bpf/perf_event_open syscall numbers for it`, "run on x86_64 or arm64");
}

export function pidNamespaceCheck(): Check {
  const self = nsInode("self", "pid");
  if (typeof self === "string") return ok("pid-namespace", `cannot read /proc/self/ns/pid (${self}); assuming the host's`);
  if (self === INIT_PID_NS_INO) return ok("pid-namespace", "host (initial) pid namespace: every process on the machine is visible");
  const init = nsInode(1, "pid");
  const procNote = typeof init === "number" && init !== self ? "; /proc shows another namespace's processes" : "";
  return ok(
    "pid-namespace",
    `container pid namespace (inode ${self}, host is ${INIT_PID_NS_INO}): only its processes are visible, by their namespace PIDs${procNote}`,
  );
}

export function userNamespaceCheck(): Check {
  const self = nsInode("self", "user");
  if (typeof self === "string" || self === INIT_USER_NS_INO) return ok("user-namespace", "initial user namespace: capabilities apply to bpf()");
  // bpf_capable()/perfmon_capable() test the initial user namespace (kernel/bpf/syscall.c); BPF
  // tokens (6.9) can delegate, but blocksnoop does not use them.
  return fail(
    "user-namespace",
    `inside a user namespace (inode ${self}): its capabilities do not allow loading tracing programs`,
    "run in the host user namespace (Kubernetes: hostUsers: true; Docker: no userns-remap)",
  );
}

export function lockdownCheck(): Check {
  const r = readText("/sys/kernel/security/lockdown");
  if (!r.ok) return ok("lockdown", "no lockdown LSM (or securityfs not mounted)");
  const mode = parseLockdown(r.text) ?? "unknown";
  // "confidentiality" also locks tracefs and perf/BPF reads of kernel memory (Linux 5.4 lockdown LSM).
  if (mode === "confidentiality") {
    return fail("lockdown", "kernel lockdown 'confidentiality': tracefs and BPF kernel reads are refused", "boot with lockdown=integrity or none (often tied to Secure Boot)");
  }
  return ok("lockdown", `kernel lockdown '${mode}': BPF tracing allowed`);
}

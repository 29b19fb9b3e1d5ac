// privileges: say clearly, before touching the kernel, what is missing.
import fs from "node:fs";
import { ToolError } from "../errors.js";

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

export function effectiveCaps(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
    return m?.[1] === undefined ? 0n : BigInt(`0x${m[1]}`);
  } catch {
    return 0n;
  }
}

const has = (caps: bigint, cap: bigint) => (caps & (1n << cap)) !== 0n;

/** Loading tracing BPF programs needs CAP_BPF + CAP_PERFMON (5.8+) or CAP_SYS_ADMIN. */
export function checkBpfPrivileges(): void {
  const caps = effectiveCaps();
  if (has(caps, CAP_SYS_ADMIN) || (has(caps, CAP_BPF) && has(caps, CAP_PERFMON))) return;
  throw new ToolError("permission", "permission denied: loading eBPF programs needs root or CAP_BPF and CAP_PERFMON", {
    hint: "run with sudo",
  });
}

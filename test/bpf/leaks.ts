// Leak checks shared by root tests: open fds of this process and loaded BPF program ids.
import { readdirSync } from "node:fs";
import { programIds } from "../../src/bpf/sys/index.js";

export function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** Wait (bounded) until none of `ids` is loaded: programs are freed after an RCU grace period. */
export async function programsGone(ids: readonly number[], timeoutMs = 3000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const loaded = new Set(programIds());
    const left = ids.filter((id) => loaded.has(id));
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

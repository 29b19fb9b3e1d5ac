// Running the blocksnoop CLI as a separate process, the way users run it.
import { Child, CLI, track, cpuSeconds } from "./util.js";
import { programIds } from "../../src/bpf/index.js";

/** Spawn `node dist/src/cli/main.js ARGS` and wait until it says its probes are armed. */
export async function startCli(args: readonly string[]): Promise<{ cli: Child; armedMs: number }> {
  const cli = track(new Child(process.execPath, [CLI, ...args]));
  const at = await cli.waitFor(/blocksnoop: watching/, 30_000);
  return { cli, armedMs: Number(at - cli.spawnedAtNs) / 1e6 };
}

/** Ctrl-C the CLI and wait for it to exit (it prints its final records and frees every BPF object). */
export async function stopCli(cli: Child): Promise<void> {
  cli.signal("SIGINT");
  const t = setTimeout(() => cli.signal("SIGKILL"), 10_000);
  await cli.exited;
  clearTimeout(t);
}

/** CPU seconds of a process between two calls. */
export class CpuMeter {
  #start: number;
  constructor(readonly pid: number) {
    this.#start = cpuSeconds(pid);
  }
  elapsed(): number {
    return cpuSeconds(this.pid) - this.#start;
  }
}

/** Wait (bounded) until none of `ids` is loaded any more (programs are freed after an RCU grace period). */
export async function programsStillLoaded(ids: readonly number[], timeoutMs = 3000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const loaded = new Set(programIds());
    const left = ids.filter((id) => loaded.has(id));
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

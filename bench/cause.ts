// Cost of cause accounting (the run-cause probe: sched_switch, sched_wakeup, raw_syscalls
// sys_enter/sys_exit, plus its own programs on the wait syscalls).
//  1. A busy healthy asyncio loop (iterations/s counted by the target): detection alone (loop-gap)
//     vs detection + cause accounting. Goal: ratio ≥ 0.97.
//  2. An unrelated context-switch and syscall heavy process (pipe ping-pong between two processes
//     on one CPU, round trips/s): no tool vs loop-gap vs loop-gap + cause accounting, while they
//     watch another (idle) process.
// Conditions alternate within each repetition; medians and ranges are printed. Run as root:
//   npx tsc -p . && node dist/bench/cause.js [--reps 7] [--seconds 2]
// The busy target runs pinned to CPU 1. "paired" compares each repetition with the base of the
// same repetition, run back to back.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";
import { LoopGapProbe } from "../src/probes/loop-gap/index.js";
import { CAUSE_COMPANION_BYTES, CauseAccounting } from "../src/cause/index.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TARGETS = resolve(REPO, "test/fixtures/cause/bench_targets.py");
const PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3";

function flag(name: string, fallback: number): number {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1] ?? fallback) : fallback;
}
const REPS = flag("reps", 7);
const SECONDS = flag("seconds", 2);

class Target {
  readonly child: ChildProcess;
  readonly #lines: string[] = [];
  #wake: (() => void) | undefined;

  constructor(args: string[], cpu?: number) {
    // pinned (taskset): the target alone on its CPU, so the tool's threads and other load do not share it
    const argv = cpu === undefined ? [PYTHON, TARGETS, ...args] : ["taskset", "-c", String(cpu), PYTHON, TARGETS, ...args];
    this.child = spawn(argv[0] ?? PYTHON, argv.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
    createInterface({ input: this.child.stdout! }).on("line", (l) => { // stdio "pipe": stdout exists
      this.#lines.push(l);
      this.#wake?.();
    });
  }

  async next(): Promise<Record<string, unknown>> {
    for (;;) {
      const l = this.#lines.shift();
      if (l !== undefined) return JSON.parse(l) as Record<string, unknown>; // our own target's JSON line
      await new Promise<void>((r) => (this.#wake = r));
    }
  }

  async run(seconds: number): Promise<Sample> {
    this.child.stdin?.write(`run ${seconds}\n`);
    const r = await this.next();
    return { rate: Number(r["rate"]), perCpu: Number(r["count"]) / Number(r["cpu"]) };
  }

  quit(): void {
    this.child.stdin?.write("quit\n");
    setTimeout(() => this.child.kill("SIGKILL"), 2000).unref();
  }
}

/** detect+cause is the CLI's default (loop-gap in raw_syscalls mode, cause's syscall programs as its tail calls); "+cause/tp" is the earlier design: the wait tracepoints, plus cause's own raw_syscalls programs. */
type Tool = "none" | "detect" | "detect/raw" | "detect+cause" | "detect+cause/tp";
/** Per wall-clock second, and per CPU-second of the counting process. */
interface Sample {
  rate: number;
  perCpu: number;
}

async function withTool<T>(tool: Tool, pid: number, fn: () => Promise<T>): Promise<T> {
  if (tool === "none") return fn();
  // as the CLI: detection alone (--no-cause) has no companion bytes
  const withCause = tool === "detect+cause" || tool === "detect+cause/tp";
  const probe = await LoopGapProbe.open({
    pids: [pid], thresholdNs: 10_000_000n, stats: false,
    ...(withCause ? { companionBytes: CAUSE_COMPANION_BYTES, rawSyscalls: tool === "detect+cause" } : {}),
    ...(tool === "detect/raw" ? { rawSyscalls: true } : {}),
  });
  const drain = (async () => { for await (const _ of probe.events()) void _; })();
  const cause = withCause ? CauseAccounting.open({ probe, pids: [pid], python: true }) : undefined;
  try {
    return await fn();
  } finally {
    cause?.close();
    probe.close();
    await drain;
    await cause?.whenClosed();
    await probe.whenClosed();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? (s[(s.length - 1) / 2] ?? NaN) : ((s[s.length / 2 - 1] ?? NaN) + (s[s.length / 2] ?? NaN)) / 2;
};
const spread = (xs: number[]) => `${Math.round(median(xs))} [${Math.round(Math.min(...xs))} … ${Math.round(Math.max(...xs))}]`;

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (c: string[]) => "| " + c.map((x, i) => x.padEnd(w[i] ?? 0)).join(" | ") + " |";
  return [line(head), "|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|", ...rows.map(line)].join("\n");
}

async function series(tools: Tool[], target: Target, watchedPid: number): Promise<Map<Tool, Sample[]>> {
  const out = new Map<Tool, Sample[]>(tools.map((t) => [t, []]));
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 === 0 ? tools : [...tools].reverse(); // alternate, and alternate who goes first
    for (const tool of order) out.get(tool)?.push(await withTool(tool, watchedPid, () => target.run(SECONDS)));
  }
  return out;
}

function report(title: string, unit: string, base: Tool, results: Map<Tool, Sample[]>): void {
  console.log(`\n## ${title}\n${new Date().toISOString()}  load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}  ${REPS} × ${SECONDS} s, alternating`);
  const baseSamples = results.get(base) ?? [];
  const baseRate = median(baseSamples.map((x) => x.rate));
  const baseCpu = median(baseSamples.map((x) => x.perCpu));
  console.log(table(
    ["tool", `${unit}/s median [min … max]`, `vs ${base}`, `${unit} per CPU-s median [min … max]`, `vs ${base}`, `paired per CPU-s: median [min … max]`],
    [...results].map(([tool, xs]) => {
      const rate = xs.map((x) => x.rate);
      const cpu = xs.map((x) => x.perCpu);
      // each repetition against the base of the same repetition (back to back): slow phases of a
      // shared host hit both sides of a pair, where they only widen the ranges of the medians
      const paired = xs.map((x, i) => x.perCpu / (baseSamples[i]?.perCpu ?? NaN));
      const fmt = (v: number) => v.toFixed(3);
      return [tool, spread(rate), (median(rate) / baseRate).toFixed(3), spread(cpu), (median(cpu) / baseCpu).toFixed(3), `${fmt(median(paired))} [${fmt(Math.min(...paired))} … ${fmt(Math.max(...paired))}]`];
    }),
  ));
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("run as root: this benchmark loads BPF programs");
  const busy = new Target(["busy"], 1);
  const idle = spawn("sleep", ["3600"], { stdio: "ignore" });
  try {
    const ready = await busy.next();
    const busyPid = Number(ready["pid"]);
    await busy.run(0.5); // warm-up
    report("busy asyncio loop: loop iterations", "iterations", "detect", await series(["detect", "detect/raw", "detect+cause", "detect+cause/tp"], busy, busyPid));
    busy.quit();
    const pp = new Target(["pingpong", "0"]);
    await pp.next();
    await pp.run(0.5);
    report("unrelated pipe ping-pong (2 processes, 1 CPU): round trips", "round trips", "none", await series(["none", "detect", "detect/raw", "detect+cause", "detect+cause/tp"], pp, idle.pid ?? 0));
    pp.quit();
  } finally {
    busy.child.kill("SIGKILL");
    idle.kill("SIGKILL");
  }
}

await main();

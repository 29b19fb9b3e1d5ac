// bench/loop-gap: what detection costs a busy healthy loop, what --stats can absorb, how fast
// blocksnoop arms its probes, and how much memory it takes. Prints tables; asserts nothing.
//
//   node dist/bench/loop-gap.js [--rounds 5] [--seconds 1] [--only throughput,stats,startup,rss]
//                               [--configs none,floor,probe,detect,no-stacks,stacks]   (throughput;
//                               "probe" = LoopGapProbe opened in this process, no CLI; "detect" =
//                               blocksnoop --no-stacks --no-cause: detection alone; "floor/raw" and
//                               "probe/raw": the same on raw_syscalls, see lib/floor.ts)
import { LoopGapProbe } from "../src/probes/loop-gap/index.js";
import { FloorProbe } from "./lib/floor.js";
import { startCli, stopCli, CpuMeter, programsStillLoaded } from "./lib/cli.js";
import { BusyTarget, Child, CLI, flag, header, median, memoryMiB, requireRoot, sleep, spread, stopAll, table, track, type BusyResult } from "./lib/util.js";

requireRoot();
const ROUNDS = Number(flag("rounds", "5"));
const SECONDS = Number(flag("seconds", "1"));
const ONLY = new Set(flag("only", "throughput,stats,startup,rss").split(","));
const floorIds: number[] = [];

// ---------------------------------------------------------------------------------------------
// 1. Throughput of a busy healthy loop: no tool / the floor / blocksnoop (--no-stacks, stacks)
// "probe": LoopGapProbe opened inside this process (no CLI process): the kernel-side cost alone.
// "--no-stacks --no-cause": detection alone (the default also accounts why each block happened,
// with programs on raw_syscalls and sched_switch/sched_wakeup: every syscall of the machine pays).
// "floor/raw", "probe/raw": the floor and the probe on raw_syscalls (the CLI's mode when causes are
// on), each against its own floor.
const ALL_CONFIGS = ["none", "floor", "floor/raw", "probe", "probe/raw", "blocksnoop --no-stacks --no-cause", "blocksnoop --no-stacks", "blocksnoop"] as const;
type Config = (typeof ALL_CONFIGS)[number];
const CONFIG_FLAG: Record<string, Config> = {
  none: "none", floor: "floor", "floor/raw": "floor/raw", probe: "probe", "probe/raw": "probe/raw",
  detect: "blocksnoop --no-stacks --no-cause", "no-stacks": "blocksnoop --no-stacks", stacks: "blocksnoop",
};
const CONFIGS: readonly Config[] = flag("configs", "none,floor,detect,no-stacks,stacks")
  .split(",")
  .map((c) => {
    const k = CONFIG_FLAG[c];
    if (k === undefined) throw new Error(`--configs: unknown ${c} (one of ${Object.keys(CONFIG_FLAG).join(", ")})`);
    return k;
  });

async function measure(target: BusyTarget, config: Config): Promise<{ r: BusyResult; waitsPerIter?: number }> {
  if (config === "none") return { r: await target.run(SECONDS) };
  if (config === "floor" || config === "floor/raw") {
    const floor = FloorProbe.open(config === "floor" ? "tp" : "raw");
    floorIds.push(...floor.programIds);
    try {
      const before = floor.counts().exits;
      const r = await target.run(SECONDS);
      // system-wide count: also every other process's waits, so ≥ 1 per target iteration
      const exits = Number(floor.counts().exits - before) / r.iterations;
      return config === "floor" ? { r, waitsPerIter: exits } : { r };
    } finally {
      floor.close();
    }
  }
  if (config === "probe" || config === "probe/raw") {
    const probe = await LoopGapProbe.open({ pids: [target.pid], thresholdNs: 100_000_000n, stats: false, ...(config === "probe/raw" ? { rawSyscalls: true } : {}) });
    try {
      return { r: await target.run(SECONDS) };
    } finally {
      probe.close();
      await probe.whenClosed();
    }
  }
  const { cli } = await startCli([...config.split(" ").slice(1), String(target.pid)]);
  await sleep(300); // let the tool finish starting (JIT, worker) so it does not compete for a core
  try {
    return { r: await target.run(SECONDS) };
  } finally {
    await stopCli(cli);
  }
}

async function throughput(): Promise<void> {
  header(`Throughput of a busy healthy loop (${ROUNDS} alternating rounds × ${SECONDS} s per configuration)`);
  const rows: string[][] = [];
  for (const kind of ["python", "node"] as const) {
    const target = new BusyTarget(kind);
    await target.ready();
    await target.run(0.5); // warm up
    const rates = new Map<Config, number[]>(CONFIGS.map((c) => [c, []]));
    const cpuRates = new Map<Config, number[]>(CONFIGS.map((c) => [c, []]));
    const perIter: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of CONFIGS) {
        const { r, waitsPerIter } = await measure(target, c);
        rates.get(c)?.push(r.rate);
        cpuRates.get(c)?.push(r.cpuRate);
        if (waitsPerIter !== undefined) perIter.push(waitsPerIter);
      }
    }
    await target.quit();
    const none = cpuRates.get("none") ?? [];
    const floor = cpuRates.get("floor") ?? [];
    const floorRaw = cpuRates.get("floor/raw") ?? [];
    const wallNone = rates.get("none") ?? [];
    for (const c of CONFIGS) {
      const xs = cpuRates.get(c) ?? [];
      const wall = rates.get(c) ?? [];
      rows.push([
        kind === "python" ? "asyncio sleep(0)" : "node setImmediate",
        c,
        spread(xs.map((x) => x / 1000), 0, "k"),
        (median(xs) / median(none)).toFixed(3),
        c === "none" || floor.length === 0 ? "–" : (median(xs) / median(floor)).toFixed(3),
        c === "none" || floorRaw.length === 0 ? "–" : (median(xs) / median(floorRaw)).toFixed(3),
        spread(wall.map((x) => x / 1000), 0, "k"),
        (median(wall) / median(wallNone)).toFixed(3),
      ]);
    }
    console.log(`  ${kind}: wait-syscall exits seen by the floor per target iteration (system-wide): ${spread(perIter, 2)}`);
  }
  console.log(
    table(["target", "configuration", "iterations per target CPU-s, median [min … max]", "× no tool", "× floor", "× floor/raw", "iterations/s wall, median [min … max]", "wall × no tool"], rows),
  );
  console.log("  ratios are of medians. Per-CPU-second rates charge the target only for its own CPU time (the BPF programs run in it), so they resist other load; wall rates do not.");
}

// ---------------------------------------------------------------------------------------------
// 2. --stats capacity: every gap counted in the kernel, the tool's own CPU
async function statsCapacity(): Promise<void> {
  header(`--stats capacity (${ROUNDS} rounds, ${SECONDS} s busy window per round; no tool ↔ --stats alternating)`);
  const rows: string[][] = [];
  const setups: Array<{ name: string; kinds: Array<"python" | "node"> }> = [
    { name: "1 × node setImmediate", kinds: ["node"] },
    { name: "1 × asyncio sleep(0)", kinds: ["python"] },
    { name: "2 × node setImmediate", kinds: ["node", "node"] },
  ];
  for (const setup of setups) {
    const targets = setup.kinds.map((k) => new BusyTarget(k));
    for (const t of targets) await t.ready();
    await Promise.all(targets.map((t) => t.run(0.3)));
    const noTool: number[] = [];
    const withStats: number[] = [];
    const lossPct: number[] = [];
    const diff: number[] = [];
    const cpuPct: number[] = [];
    const cpuPerMGaps: number[] = [];
    let dropped = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const base = await Promise.all(targets.map((t) => t.run(SECONDS)));
      noTool.push(base.reduce((s, r) => s + r.rate, 0));
      const { cli } = await startCli(["--stats", "--json", ...targets.map((t) => String(t.pid))]);
      await sleep(200);
      const cpu = new CpuMeter(cli.pid);
      const t0 = process.hrtime.bigint();
      const rs = await Promise.all(targets.map((t) => t.run(SECONDS)));
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      const used = cpu.elapsed();
      await stopCli(cli);
      const records = cli.jsonLines();
      const last = records[records.length - 1];
      const count = Number(last?.["count"] ?? NaN);
      dropped = Math.max(dropped, Number(last?.["dropped"] ?? 0));
      const iterations = rs.reduce((s, r) => s + r.iterations, 0);
      withStats.push(rs.reduce((s, r) => s + r.rate, 0));
      // count also holds the few idle gaps before/after the window (stdin handling): ≥ iterations
      diff.push(count - iterations);
      lossPct.push((Math.max(0, iterations - count) / iterations) * 100);
      cpuPct.push((used / wallS) * 100);
      cpuPerMGaps.push(used / (iterations / 1e6));
    }
    await Promise.all(targets.map((t) => t.quit()));
    rows.push([
      setup.name,
      spread(noTool.map((x) => x / 1000), 0, "k"),
      spread(withStats.map((x) => x / 1000), 0, "k"),
      spread(lossPct, 3, "%"),
      spread(diff, 0),
      String(dropped),
      spread(cpuPct, 2, "%"),
    ]);
  }
  console.log(table(["target", "gaps/s, no tool", "gaps/s under --stats", "lost (iterations − count)", "count − iterations", "dropped", "tool CPU (% of a core)"], rows));
  console.log("  tool CPU: utime+stime of the blocksnoop process over the busy window (/proc/PID/stat, 10 ms ticks); the BPF programs themselves run in the target's context.");
}

// ---------------------------------------------------------------------------------------------
// 3. Time from start to probes armed
async function startup(): Promise<void> {
  const reps = Math.max(ROUNDS + 1, 6);
  header(`Start → probes armed (${reps} alternating repetitions, idle asyncio target)`);
  const target = new BusyTarget("python");
  await target.ready();
  const nodeBare: number[] = [];
  const cliVersion: number[] = [];
  const importBpf: number[] = [];
  const importSession: number[] = [];
  const importOnly = (mod: string) => ["--input-type=module", "-e", `await import(${JSON.stringify(new URL(mod, import.meta.url).href)})`];
  const armedNoStacks: number[] = [];
  const armedStacks: number[] = [];
  const firstStats: number[] = [];
  const openMs: number[] = [];
  const closeMs: number[] = [];
  const exitTime = async (args: string[]) => {
    const c = track(new Child(process.execPath, args));
    await c.exited;
    return Number(process.hrtime.bigint() - c.spawnedAtNs) / 1e6;
  };
  for (let i = 0; i < reps; i++) {
    nodeBare.push(await exitTime(["-e", "0"]));
    cliVersion.push(await exitTime([CLI, "--version"]));
    importBpf.push(await exitTime(importOnly("../src/bpf/index.js")));
    importSession.push(await exitTime(importOnly("../src/session/run.js")));
    for (const [args, into] of [[["--no-stacks"], armedNoStacks], [[], armedStacks]] as const) {
      const { cli, armedMs } = await startCli([...args, String(target.pid)]);
      into.push(armedMs);
      await stopCli(cli);
    }
    {
      // the quoted original took 1.3 s to its first stats line
      const { cli } = await startCli(["--stats", "--json", String(target.pid)]);
      const at = await cli.waitFor(/"count"/, 10_000, "stdout");
      firstStats.push(Number(at - cli.spawnedAtNs) / 1e6);
      await stopCli(cli);
    }
    const t0 = process.hrtime.bigint();
    const probe = await LoopGapProbe.open({ pids: [target.pid], thresholdNs: 100_000_000n, stats: false });
    const t1 = process.hrtime.bigint();
    probe.close();
    await probe.whenClosed();
    openMs.push(Number(t1 - t0) / 1e6);
    closeMs.push(Number(process.hrtime.bigint() - t1) / 1e6);
  }
  await target.quit();
  console.log(
    table(["step", "ms median [min … max]"], [
      ["spawn → `node -e 0` exited (node startup)", spread(nodeBare, 1)],
      ["spawn → `blocksnoop --version` exited (node + option parsing)", spread(cliVersion, 1)],
      ["spawn → exit after importing src/bpf (node + koffi + FFI bindings)", spread(importBpf, 1)],
      ["spawn → exit after importing src/session/run.js (every module of a watch session)", spread(importSession, 1)],
      ["in-process LoopGapProbe.open() (maps, 3 programs, 14 tracepoint links)", spread(openMs, 1)],
      ["in-process LoopGapProbe.close() + whenClosed()", spread(closeMs, 1)],
      ["spawn → `watching pid` (blocksnoop --no-stacks PID)", spread(armedNoStacks, 1)],
      ["spawn → `watching pid` (blocksnoop PID, stacks: sampler worker started)", spread(armedStacks, 1)],
      ["spawn → first record of `blocksnoop --stats --json PID` (stdout)", spread(firstStats, 1)],
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// 4. Tool memory while watching a busy target
async function rss(): Promise<void> {
  // V8 gives start-up's garbage back in a memory-reducer GC ~8 s after the heap stops growing:
  // 3 s shows the start-up high, 15 s the steady state.
  header("Tool memory while watching a busy asyncio target (default threshold): after 3 s and after 15 s");
  const rows: string[][] = [];
  for (const args of [[], ["--no-stacks"], ["--stats", "--json"]]) {
    const target = new BusyTarget("python");
    await target.ready();
    const { cli } = await startCli([...args, String(target.pid)]);
    await target.run(3);
    const early = memoryMiB(cli.pid);
    await target.run(12);
    const late = memoryMiB(cli.pid);
    await stopCli(cli);
    await target.quit();
    rows.push([`blocksnoop ${[...args, "PID"].join(" ")}`, early.rss.toFixed(1), late.rss.toFixed(1), (late.rss * 1.048576).toFixed(1), late.hwm.toFixed(1)]);
  }
  console.log(table(["command", "VmRSS MiB at 3 s", "VmRSS MiB at 15 s", "= MB", "VmHWM MiB"], rows));
}

try {
  if (ONLY.has("throughput")) await throughput();
  if (ONLY.has("stats")) await statsCapacity();
  if (ONLY.has("startup")) await startup();
  if (ONLY.has("rss")) await rss();
} finally {
  await stopAll();
  const left = await programsStillLoaded(floorIds);
  console.log(`\ncleanup: child processes stopped; floor programs still loaded: ${left.length}`);
}

// bench/stacks: what stack sampling costs and what it buys.
//   1. busy healthy loop: blocksnoop (stacks on) vs --no-stacks, alternating — the gate keeps
//      the sampler idle while callbacks are short, so the ratio should be ≥ 0.99;
//   2. attribution rate by block length: known blocks in known functions, launched under
//      `blocksnoop --json -t 0.8×len --`, events matched to the target's own records;
//   3. the sampler's CPU: tool CPU while the target's loop is blocked back to back vs idle.
//
//   node dist/bench/stacks.js [--rounds 7] [--seconds 1] [--blocks 50] [--python PATH]
//                             [--only healthy,attribution,cpu]
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startCli, stopCli, CpuMeter } from "./lib/cli.js";
import { BusyTarget, Child, CLI, DEFAULT_PYTHON, TARGETS, flag, header, median, requireRoot, sleep, spread, stopAll, table, track } from "./lib/util.js";

requireRoot();
const ROUNDS = Number(flag("rounds", "7"));
const SECONDS = Number(flag("seconds", "1"));
const BLOCKS = Number(flag("blocks", "50"));
const PYTHON = flag("python", DEFAULT_PYTHON);
const tmp = mkdtempSync(join(tmpdir(), "blocksnoop-bench-"));

async function healthyOverhead(): Promise<void> {
  header(`Busy healthy loop: stacks on vs --no-stacks (${ROUNDS} alternating rounds × ${SECONDS} s; ${PYTHON})`);
  const target = new BusyTarget("python", PYTHON);
  await target.ready();
  await target.run(0.5);
  const configs = [["--no-stacks"], []] as const;
  const cpuRate: number[][] = [[], []];
  const wall: number[][] = [[], []];
  const toolCpu: number[][] = [[], []];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, args] of configs.entries()) {
      const { cli } = await startCli([...args, String(target.pid)]);
      await sleep(300);
      const cpu = new CpuMeter(cli.pid);
      const r = await target.run(SECONDS);
      toolCpu[i]?.push((cpu.elapsed() / r.seconds) * 100);
      await stopCli(cli);
      cpuRate[i]?.push(r.cpuRate);
      wall[i]?.push(r.rate);
    }
  }
  await target.quit();
  const [ns, st] = [cpuRate[0] ?? [], cpuRate[1] ?? []];
  const [wns, wst] = [wall[0] ?? [], wall[1] ?? []];
  console.log(
    table(["configuration", "iterations per target CPU-s", "× --no-stacks", "iterations/s wall", "wall × --no-stacks", "tool CPU % of a core"], [
      ["blocksnoop --no-stacks PID", spread(ns.map((x) => x / 1000), 0, "k"), "1.000", spread(wns.map((x) => x / 1000), 0, "k"), "1.000", spread(toolCpu[0] ?? [], 1, "%")],
      ["blocksnoop PID (stacks)", spread(st.map((x) => x / 1000), 0, "k"), (median(st) / median(ns)).toFixed(3), spread(wst.map((x) => x / 1000), 0, "k"), (median(wst) / median(wns)).toFixed(3), spread(toolCpu[1] ?? [], 1, "%")],
    ]),
  );
}

interface Truth {
  fn: string;
  start_ns: number;
  end_ns: number;
}

async function attribution(): Promise<void> {
  header(`Attribution by block length (${BLOCKS} blocks per length, alternating cpu_hog / sleepy_call; threshold 0.8 × length; ${PYTHON})`);
  const rows: string[][] = [];
  for (const ms of [5, 10, 20, 100]) {
    const truthFile = join(tmp, `truth-${ms}.jsonl`);
    const cli = track(new Child(process.execPath, [CLI, "--json", "-t", String(0.8 * ms), "--", PYTHON, resolve(TARGETS, "known_blocks.py"), truthFile, String(ms), String(BLOCKS)]));
    const t = setTimeout(() => cli.signal("SIGKILL"), 120_000);
    const exit = await cli.exited;
    clearTimeout(t);
    if (exit.code !== 0) {
      rows.push([`${ms} ms`, `failed: exit ${exit.code} ${cli.stderr.split("\n").slice(-3).join(" ")}`, "", "", "", "", "", ""]);
      continue;
    }
    const truth = readFileSync(truthFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Truth);
    const events = cli.jsonLines().filter((e) => "event_number" in e);
    let detected = 0;
    let right = 0;
    let withStacks = 0;
    const samples: number[] = [];
    const shares: number[] = [];
    const reasons = new Map<string, number>();
    for (const tr of truth) {
      // the kernel's window contains the target's own [start, end] (it also covers the loop's
      // bookkeeping around the callback); pick the event that overlaps it most
      const e = events.find((ev) => Number(ev["start_ns"]) <= tr.start_ns + 1e5 && Number(ev["end_ns"]) >= tr.end_ns - 1e5);
      if (e === undefined) continue;
      detected++;
      samples.push(Number(e["samples"] ?? 0));
      const stacks = e["python_stacks"];
      if (!Array.isArray(stacks) || stacks.length === 0) {
        const why = String(e["stacks_unavailable"] ?? "no samples in the window");
        reasons.set(why, (reasons.get(why) ?? 0) + 1);
        continue;
      }
      withStacks++;
      const dominant: unknown = stacks[0];
      const fns = Array.isArray(dominant) ? dominant.map((f: unknown) => (typeof f === "object" && f !== null && "function" in f ? String(f.function) : "")) : [];
      if (fns.some((f) => f === tr.fn || f.endsWith(`.${tr.fn}`))) right++;
      const weights = e["stack_weights"];
      if (Array.isArray(weights) && typeof weights[0] === "number") shares.push(weights[0] * 100);
    }
    rows.push([
      `${ms} ms`,
      `-t ${0.8 * ms}`,
      `${detected}/${truth.length}`,
      `${withStacks}/${detected}`,
      `${right}/${truth.length} (${((right / truth.length) * 100).toFixed(0)}%)`,
      spread(samples, 0),
      spread(shares, 0, "%"),
      [...reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n}× ${r}`).join("; ").slice(0, 160) || "–",
    ]);
  }
  console.log(table(["block", "threshold", "detected", "events with stacks", "dominant stack has the right function", "samples per event", "dominant stack share", "events without stacks: why"], rows));
}

async function samplerCpu(): Promise<void> {
  const window = Math.max(2, SECONDS * 2);
  header(`Sampler CPU: tool CPU while the loop is blocked back to back (time.sleep(0.2) callbacks) vs idle (${Math.ceil(ROUNDS / 2)} rounds × ${window} s; ${PYTHON})`);
  const target = new BusyTarget("python", PYTHON);
  await target.ready();
  const rows: string[][] = [];
  for (const [label, args] of [["blocksnoop PID (stacks, 1 ms interval)", []], ["blocksnoop --no-stacks PID", ["--no-stacks"]]] as const) {
    const idle: number[] = [];
    const blocked: number[] = [];
    let events = 0;
    for (let round = 0; round < Math.ceil(ROUNDS / 2); round++) {
      const { cli } = await startCli([...args, "--json", String(target.pid)]);
      await sleep(300);
      for (const [cmd, into] of [[`idle ${window}`, idle], [`block ${window} 200`, blocked]] as const) {
        const cpu = new CpuMeter(cli.pid);
        const r = await target.command(cmd, window);
        into.push((cpu.elapsed() / r.seconds) * 100);
      }
      await sleep(100);
      await stopCli(cli);
      events += cli.jsonLines().filter((e) => "event_number" in e).length;
    }
    rows.push([label, spread(idle, 1, "%"), spread(blocked, 1, "%"), String(events)]);
  }
  await target.quit();
  console.log(table(["command", "tool CPU, loop idle (% of a core)", "tool CPU, loop blocked (% of a core)", "events"], rows));
  console.log("  CPU = utime+stime of the blocksnoop process (/proc/PID/stat, 10 ms ticks) over the window.");
}

const ONLY = new Set(flag("only", "healthy,attribution,cpu").split(","));
try {
  if (ONLY.has("healthy")) await healthyOverhead();
  if (ONLY.has("attribution")) await attribution();
  if (ONLY.has("cpu")) await samplerCpu();
} finally {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
  console.log("\ncleanup: child processes stopped");
}

// Run a blocks fixture under the real loop-gap probe and the real stack sampler, and pair every
// block the fixture recorded with the kernel's gap event and its attribution.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { LoopGapProbe, type GapEvent } from "../../src/probes/loop-gap/index.js";
import { StackAttribution, type Attribution, type AttributionStats } from "../../src/correlate/index.js";
import type { StackSample } from "../../src/sampler/index.js";

const FIXTURES = join(fileURLToPath(new URL(".", import.meta.url)), "../../../test/fixtures/blocks");
export const BLOCKS_PY = join(FIXTURES, "blocks.py");
export const NOT_PYTHON = join(FIXTURES, "not_python.mjs");

export const PYENV = ["3.11.7", "3.12.1", "3.13.0"].map((v) => `/root/.pyenv/versions/${v}/bin/python3`);
export const DEBIAN_PY311 = "/usr/bin/python3.11"; // has python3-uvloop

export interface Truth {
  fn: string;
  startNs: bigint;
  endNs: bigint;
  tid: number;
}

export interface Attributed {
  gap: GapEvent;
  a: Attribution;
}

export interface Run {
  pid: number;
  truth: Truth[];
  events: Attributed[];
  notices: string[];
  stats: AttributionStats;
  samples: StackSample[]; // every sample the sampler produced, in arrival order
  cpu: { userUs: number; systemUs: number; wallMs: number; workerMs: number; mainMs: number };
}

export interface RunOptions {
  thresholdNs: bigint;
  intervalNs?: bigint;
  gateNs?: bigint;
  script?: string; // default blocks.py
  nice?: number | null;
}

export async function runFixture(command: string, config: object, o: RunOptions): Promise<Run> {
  const child = spawn(command, [o.script ?? BLOCKS_PY, JSON.stringify(config)], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const truth: Truth[] = [];
  let onReady: (pid: number) => void = () => undefined;
  const ready = new Promise<number>((resolve) => (onReady = resolve));
  const done = new Promise<void>((resolve, reject) => {
    let finished = false;
    createInterface({ input: child.stdout }).on("line", (line) => {
      const r = JSON.parse(line) as Record<string, unknown>; // fixture output, read field by field
      if (r["ready"] === true) onReady(Number(r["pid"]));
      else if (r["done"] === true) finished = true;
      else truth.push({ fn: String(r["fn"]), startNs: BigInt(String(r["start_ns"])), endNs: BigInt(String(r["end_ns"])), tid: Number(r["tid"]) });
    });
    child.on("exit", (code) => (finished ? resolve() : reject(new Error(`fixture ${JSON.stringify(config)} exited ${code}: ${stderr}`))));
  });
  done.catch(() => undefined);
  let probe: LoopGapProbe | undefined;
  let attribution: StackAttribution | undefined;
  try {
    const pid = await Promise.race([ready, done.then(() => 0)]);
    probe = await LoopGapProbe.open({ pids: [pid], thresholdNs: o.thresholdNs, stats: false });
    const notices: string[] = [];
    const samples: StackSample[] = [];
    attribution = await StackAttribution.start({
      pids: [pid],
      thresholdNs: o.thresholdNs,
      ...(o.intervalNs === undefined ? {} : { intervalNs: o.intervalNs }),
      ...(o.gateNs === undefined ? {} : { gateNs: o.gateNs }),
      ...(o.nice === undefined ? {} : { samplerNice: o.nice }),
      onNotice: (m) => notices.push(m),
      onSamples: (s) => samples.push(...s),
    });
    const at = attribution;
    const events: Attributed[] = [];
    const p = probe;
    const consumed = (async () => {
      for await (const gap of p.events()) events.push({ gap, a: await at.attribute(gap) });
    })();
    const cpu0 = process.cpuUsage();
    const workerTid = attribution.stats().samplerThread.tid;
    const w0 = onCpuMs(workerTid);
    const m0 = onCpuMs(process.pid);
    const wall0 = Date.now();
    child.stdin.write("go\n");
    await done;
    const cpu = process.cpuUsage(cpu0);
    const workerMs = onCpuMs(workerTid) - w0;
    const mainMs = onCpuMs(process.pid) - m0;
    // The last block's event is already in the ring; give the consumer a moment, then stop.
    await new Promise((r) => setTimeout(r, 150));
    const stats = attribution.stats();
    await attribution.close();
    attribution = undefined;
    probe.close();
    await consumed;
    await probe.whenClosed();
    probe = undefined;
    return { pid, truth, events, notices, stats, samples, cpu: { userUs: cpu.user, systemUs: cpu.system, wallMs: Date.now() - wall0, workerMs, mainMs } };
  } finally {
    await attribution?.close();
    probe?.close();
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

/** A thread's time on CPU so far (schedstat, ns precision). */
function onCpuMs(tid: number | null): number {
  if (tid === null) return 0;
  try {
    return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
  } catch {
    return 0;
  }
}

/** The gap event that contains a truth block (same tid; the kernel's window encloses Python's). */
export function eventFor(run: Run, t: Truth): Attributed | undefined {
  return run.events.find((e) => e.gap.tid === t.tid && e.gap.startNs <= t.startNs && e.gap.endNs >= t.endNs);
}

export const functionsOf = (e: Attributed, rank = 0): string[] => (e.a.stacks?.[rank]?.frames ?? []).map((f) => f.function);

/** Does the dominant stack of the block contain `fn` (the bare name or a qualname ending in it)? */
export function dominantHas(e: Attributed, fn: string): boolean {
  return functionsOf(e).some((f) => f === fn || f.endsWith(`.${fn}`));
}

export function describe(e: Attributed | undefined): string {
  if (e === undefined) return "no event";
  const ms = Number(e.gap.endNs - e.gap.startNs) / 1e6;
  return `${ms.toFixed(1)} ms, ${e.a.samples} samples, status ${e.a.status.kind}, top: ${functionsOf(e).slice(0, 6).join(" < ")}`;
}

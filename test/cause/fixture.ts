// Run the cause fixture (test/fixtures/cause/causes.py) with the real pipeline beside it: the
// loop-gap detector and cause accounting, each gap joined with its cause as the session does.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { LoopGapProbe, type GapEvent } from "../../src/probes/loop-gap/index.js";
import { CAUSE_COMPANION_BYTES, CauseAccounting } from "../../src/cause/index.js";
import type { Cause } from "../../src/report/model.js";

export const FIXTURE = join(fileURLToPath(new URL(".", import.meta.url)), "../../../test/fixtures/cause/causes.py");
export const PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3";

export type How = "sleep" | "busy" | "recv" | "gil" | "runq";
export interface Truth {
  how: How;
  startNs: bigint;
  endNs: bigint;
  tid: number;
  holderTid?: number;
}
export interface Joined {
  gap: GapEvent;
  cause: Cause | null;
}
export interface Run {
  pid: number;
  truth: Truth[];
  joined: Joined[];
}

function start(python: string, config: object): { child: ChildProcess; ready: Promise<{ pid: number; tid: number }>; done: Promise<Truth[]> } {
  const child = spawn(python, [FIXTURE, JSON.stringify(config)], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! }); // stdio "pipe": stdout exists
  let onReady: (r: { pid: number; tid: number }) => void = () => undefined;
  const ready = new Promise<{ pid: number; tid: number }>((resolve) => (onReady = resolve));
  const truth: Truth[] = [];
  const done = new Promise<Truth[]>((resolve, reject) => {
    let finished = false;
    lines.on("line", (line) => {
      const o: unknown = JSON.parse(line);
      if (typeof o !== "object" || o === null) return;
      const r = o as Record<string, unknown>; // fixture output, read field by field
      if (r["ready"] === true) onReady({ pid: Number(r["pid"]), tid: Number(r["tid"]) });
      else if (r["done"] === true) finished = true;
      else {
        truth.push({
          how: String(r["how"]) as How, // one of the fixture's kinds
          startNs: BigInt(String(r["start_ns"])), endNs: BigInt(String(r["end_ns"])), tid: Number(r["tid"]),
          ...(r["holder_tid"] === undefined ? {} : { holderTid: Number(r["holder_tid"]) }),
        });
      }
    });
    child.on("exit", (code) => (finished ? resolve(truth) : reject(new Error(`fixture exited ${code} before done: ${stderr}`))));
    child.on("error", reject);
  });
  return { child, ready, done };
}

/** Run one fixture with detection + cause accounting; every gap of the run with its joined cause. */
export async function runCauses(config: { blocks: Array<{ how: How; ms: number }>; cpu?: number }, o: { thresholdNs?: bigint; python?: boolean; pythonBin?: string; perf?: boolean } = {}): Promise<Run> {
  const fx = start(o.pythonBin ?? PYTHON, config);
  try {
    const { pid } = await fx.ready;
    const thresholdNs = o.thresholdNs ?? 40_000_000n;
    // as the CLI opens it: raw_syscalls mode, cause accounting's syscall programs as its tail calls (not with the perf fallback)
    const probe = await LoopGapProbe.open({ pids: [pid], thresholdNs, stats: false, companionBytes: CAUSE_COMPANION_BYTES, rawSyscalls: o.perf !== true });
    let causes: CauseAccounting | undefined;
    try {
      causes = CauseAccounting.open({ probe, pids: [pid], python: o.python ?? true, ...(o.perf === true ? { perf: true } : {}) });
      const ca = causes;
      const joined: Joined[] = [];
      const consume = (async () => {
        for await (const gap of probe.events()) joined.push({ gap, cause: ca.cause(gap) });
      })();
      fx.child.stdin?.write("go\n");
      const truth = await fx.done;
      await new Promise((r) => setTimeout(r, 100)); // the last events reach the ring
      probe.close();
      await consume;
      return { pid, truth, joined };
    } finally {
      probe.close();
      causes?.close();
      await probe.whenClosed();
      await causes?.whenClosed();
    }
  } finally {
    if (fx.child.exitCode === null) fx.child.kill("SIGKILL");
  }
}

/** The gap that contains the truth block (same tid, window covering it). */
export function gapFor(run: Run, t: Truth): Joined | undefined {
  return run.joined.find((j) => j.gap.tid === t.tid && j.gap.startNs <= t.startNs && j.gap.endNs >= t.endNs);
}

/** on + off + run queue, in ms, and the gap's duration. */
export function sums(j: Joined): { total: number; duration: number } {
  const c = j.cause;
  const duration = Number(j.gap.endNs - j.gap.startNs) / 1e6;
  return { total: c === null ? 0 : c.onCpuMs + c.offCpuMs + c.runQueueMs, duration };
}

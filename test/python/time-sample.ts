// Time sampleThread on a ~30-frame stack (what the block sampler does at ~1 kHz).
// Run as root: node dist/test/python/time-sample.js --run [python] [frames]
// Inert without --run (node --test loads every file under test/). Prints median and p90 µs.
import { openPython } from "../../src/python/index.js";
import { fixture } from "./fixtures.js";
import { startTarget } from "./interpreters.js";

async function main(py: string, frames: number): Promise<void> {
  // stacks_target's worker stack is 11 frames plus the recursion depth (3.11+ qualname layout)
  const target = await startTarget(py, fixture("stacks_target.py"), [String(Math.max(0, frames - 11))], { threads: 2 });
  try {
    const want = (target.first as { threads: { tid: number; name: string }[] }).threads;
    const tid = want.find((w) => w.name !== "MainThread")?.tid ?? 0;
    const p = openPython(target.pid);
    const n = p.sampleThread(tid)?.frames.length ?? 0;
    for (let i = 0; i < 5000; i++) p.sampleThread(tid);
    const times: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const t0 = process.hrtime.bigint();
      p.sampleThread(tid);
      times.push(Number(process.hrtime.bigint() - t0));
    }
    times.sort((a, b) => a - b);
    const at = (q: number): string => ((times[Math.floor(times.length * q)] ?? 0) / 1000).toFixed(1);
    console.log(`python ${p.version.major}.${p.version.minor}.${p.version.micro}: ${n} frames, sampleThread median ${at(0.5)} µs, p90 ${at(0.9)} µs (20000 samples)`);
    p.close();
  } finally {
    await target.stop();
  }
}

const args = process.argv.slice(2).filter((a) => a !== "--run");
if (process.argv.includes("--run")) await main(args[0] ?? "/root/.pyenv/versions/3.12.1/bin/python3", Number(args[1] ?? "30"));

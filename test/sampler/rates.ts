// Attribution rate by block length, and the sampler's CPU cost during blocks (a measurement, not a
// test: run `node dist/test/sampler/rates.js [python]` as root). Threshold 4 ms, gate 1 ms, 1 ms interval.
import { dominantHas, eventFor, runFixture, PYENV } from "./harness.js";

const python = process.argv[2] ?? PYENV[1]!;
const nice = process.argv[3] === undefined ? undefined : process.argv[3] === "inherit" ? null : Number(process.argv[3]);
const rows: string[] = [];
for (const [scenario, fn] of [["cpu_short", "short_block"], ["sleep_deep", "sleep_in_depth"]] as const) {
  for (const ms of [5, 10, 20, 100]) {
    const count = ms >= 100 ? 10 : 40;
    const run = await runFixture(python, { scenario, count, ms, gap_ms: 10 }, { thresholdNs: 4_000_000n, ...(nice === undefined ? {} : { nice }) });
    const blocks = run.truth.filter((t) => t.fn === fn);
    let found = 0;
    let hit = 0;
    let samples = 0;
    for (const b of blocks) {
      const e = eventFor(run, b);
      if (e === undefined) continue;
      found++;
      samples += e.a.samples;
      if (dominantHas(e, fn)) hit++;
    }
    const blockedMs = blocks.reduce((n, b) => n + Number(b.endNs - b.startNs) / 1e6, 0);
    const c = run.stats.sampler;
    const cpuMs = (run.cpu.userUs + run.cpu.systemUs) / 1000;
    rows.push(
      [
        scenario.padEnd(10),
        `${ms} ms`.padStart(6),
        `${hit}/${blocks.length} (${((100 * hit) / Math.max(1, blocks.length)).toFixed(0)} %)`.padStart(14),
        `events ${found}`.padStart(10),
        `samples/block ${(samples / Math.max(1, found)).toFixed(1)}`.padStart(18),
        `read ${(Number(c.readNs) / 1e3 / Math.max(1, c.reads)).toFixed(0)} µs`.padStart(12),
        `CPU/blocked: tool ${((100 * cpuMs) / blockedMs).toFixed(0)} %, sampler thread ${((100 * run.cpu.workerMs) / blockedMs).toFixed(0)} %, main thread ${((100 * run.cpu.mainMs) / blockedMs).toFixed(0)} %`.padStart(30),
        `wake late avg ${(Number(c.wakeLateNs) / 1e3 / Math.max(1, c.wakes)).toFixed(0)} µs max ${(Number(c.wakeLateMaxNs) / 1e6).toFixed(1)} ms`,
      ].join("  "),
    );
  }
}
console.log(`python ${python}, sampler nice ${nice === undefined ? "default" : String(nice)}\n${rows.join("\n")}`);

// A healthy loop (1 ms sleeps, no block) at the default 100 ms threshold: what the sampler costs idle.
for (const thresholdMs of [100, 4]) {
  const run = await runFixture(python, { scenario: "healthy", count: 1500, gap_ms: 1 }, { thresholdNs: BigInt(thresholdMs) * 1_000_000n, ...(nice === undefined ? {} : { nice }) });
  const c = run.stats.sampler;
  console.log(
    `healthy loop, threshold ${thresholdMs} ms: ${run.cpu.wallMs} ms wall, sampler thread ${run.cpu.workerMs.toFixed(1)} ms CPU (${((100 * run.cpu.workerMs) / run.cpu.wallMs).toFixed(2)} %), ${c.lookups} map lookups, ${c.reads} stack reads, ${run.events.length} events`,
  );
}

// Manual probe of one scenario: prints each block, its event and the samples around it.
import { runFixture, eventFor, describe, PYENV } from "./harness.js";
const py = process.argv[2] ?? PYENV[1]!;
const cfg = JSON.parse(process.argv[3] ?? '{"scenario":"sleep_deep","count":3,"ms":50}') as object;
const run = await runFixture(py, cfg, { thresholdNs: BigInt(process.argv[4] ?? "20000000"), ...(process.argv[5] ? { gateNs: BigInt(process.argv[5]) } : {}) });
const t0 = run.truth[0]?.startNs ?? 0n;
const rel = (ns: bigint) => (Number(ns - t0) / 1e6).toFixed(2);
for (const t of run.truth) console.log(t.fn, rel(t.startNs), rel(t.endNs), describe(eventFor(run, t)));
if (process.env["SAMPLES"]) for (const s of run.samples) console.log("  sample", rel(s.captureNs), "phase", rel(s.phaseStartNs), s.frames.slice(0, 2).map((f) => f.function).join("<"));
console.log("events", run.events.length, "notices", run.notices, run.stats.sampler, run.cpu);

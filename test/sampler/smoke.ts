import { runFixture, eventFor, describe, PYENV } from "./harness.js";
const py = process.argv[2] ?? PYENV[1]!;
const cfg = JSON.parse(process.argv[3] ?? '{"scenario":"sleep_deep","count":3,"ms":50}') as object;
const run = await runFixture(py, cfg, { thresholdNs: BigInt(process.argv[4] ?? "20000000") });
for (const t of run.truth) console.log(t.fn, Number(t.endNs - t.startNs) / 1e6, describe(eventFor(run, t)));
console.log("events", run.events.length, "notices", run.notices, run.stats.sampler, run.cpu);

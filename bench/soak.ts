// bench/soak: blocksnoop (stacks on) attached to a service that blocks once a second, for
// --minutes (default 10). The tool's RSS is sampled every --every seconds (default 10) and
// printed as a series with its least-squares slope: it must stay flat. Goal: VmRSS ≤ 80 MB
// (76.3 MiB) at every sample after arming.
//
//   node dist/bench/soak.js [--minutes 10] [--every 10] [--block-ms 150] [--cli-args "--no-cause"]
import { resolve } from "node:path";
import { startCli, stopCli, CpuMeter } from "./lib/cli.js";
import { Child, DEFAULT_PYTHON, TARGETS, flag, header, memoryMiB, requireRoot, sleep, stopAll, table, track } from "./lib/util.js";

requireRoot();
const MINUTES = Number(flag("minutes", "10"));
const EVERY_S = Number(flag("every", "10"));
const BLOCK_MS = Number(flag("block-ms", "150"));
const PYTHON = flag("python", DEFAULT_PYTHON);
const CLI_ARGS = flag("cli-args", "").split(" ").filter((a) => a !== "");
const GOAL_MIB = 80e6 / 2 ** 20; // 80 MB

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - mx;
    num += dx * ((ys[i] ?? 0) - my);
    den += dx * dx;
  }
  return den === 0 ? 0 : num / den;
}

header(`Soak: ${MINUTES} min, one ${BLOCK_MS} ms block a second, blocksnoop --json ${CLI_ARGS.map((a) => a + " ").join("")}PID (stacks on), RSS every ${EVERY_S} s; ${PYTHON}`);
const target = track(new Child(PYTHON, [resolve(TARGETS, "periodic_blocks.py"), String(BLOCK_MS)]));
try {
  await target.waitFor(/"ready"/, 20_000, "stdout");
  const { cli } = await startCli(["--json", ...CLI_ARGS, String(target.pid)]);
  const cpu = new CpuMeter(cli.pid);
  const t0 = Date.now();
  const times: number[] = [];
  const rss: number[] = [];
  const rows: string[][] = [];
  let dropped = 0; // events already counted and cut from the captured stdout
  let last = memoryMiB(cli.pid);
  const head = ["minute", "VmRSS MiB", "VmHWM MiB", "RssAnon MiB", "RssFile MiB", "events so far"];
  console.log(table(head, []).split("\n").join("\n")); // the series is printed as it is sampled
  const end = t0 + MINUTES * 60_000;
  for (let next = t0; next <= end; next += EVERY_S * 1000) {
    await sleep(Math.max(0, next - Date.now()));
    if (!cli.alive) throw new Error(`blocksnoop exited early:\n${cli.stderr}`);
    const m = (last = memoryMiB(cli.pid));
    const min = (Date.now() - t0) / 60_000;
    const events = dropped + cli.stdout.split("\n").filter((l) => l.includes('"event_number"')).length;
    times.push(min);
    rss.push(m.rss);
    const row = [min.toFixed(2), m.rss.toFixed(1), m.hwm.toFixed(1), m.anon.toFixed(1), m.file.toFixed(1), String(events)];
    rows.push(row);
    console.log(table(head, [row]).split("\n")[2]);
    // cli.stdout grows with every event in this (bench) process, not in blocksnoop: keep it short
    if (cli.stdout.length > 1 << 20) {
      const cut = cli.stdout.lastIndexOf("\n") + 1; // keep a partial last line
      dropped += cli.stdout.slice(0, cut).split("\n").filter((l) => l.includes('"event_number"')).length;
      cli.stdout = cli.stdout.slice(cut);
    }
  }
  const used = cpu.elapsed();
  await stopCli(cli);
  const all = slope(times, rss);
  const warmMin = Math.min(1, MINUTES / 4);
  const warm = times.findIndex((t) => t >= warmMin);
  const late = warm >= 0 && times.length - warm >= 3 ? slope(times.slice(warm), rss.slice(warm)) : NaN;
  console.log(`RSS slope, whole run: ${all.toFixed(3)} MiB/min; after the first ${warmMin} min: ${late.toFixed(3)} MiB/min (${(late * 60).toFixed(1)} MiB/hour)`);
  const max = Math.max(...rss);
  const mean = rss.reduce((a, b) => a + b, 0) / rss.length;
  console.log(`RSS first → last: ${rss[0]?.toFixed(1)} → ${rss[rss.length - 1]?.toFixed(1)} MiB; min ${Math.min(...rss).toFixed(1)}, mean ${mean.toFixed(1)}, max ${max.toFixed(1)}; VmHWM ${last.hwm.toFixed(1)} MiB`);
  console.log(`at the end: RssAnon ${last.anon.toFixed(1)} MiB, RssFile ${last.file.toFixed(1)} MiB (node binary and libraries), RssShmem ${last.shmem.toFixed(1)} MiB`);
  console.log(`goal VmRSS ≤ 80 MB (${GOAL_MIB.toFixed(1)} MiB) at every sample: ${max <= GOAL_MIB ? "met" : "NOT met"} (max ${max.toFixed(1)} MiB = ${((max * 2 ** 20) / 1e6).toFixed(1)} MB)`);
  console.log(`tool CPU over the run: ${((used / (MINUTES * 60)) * 100).toFixed(2)} % of a core`);
} finally {
  await stopAll();
  console.log("cleanup: child processes stopped");
}

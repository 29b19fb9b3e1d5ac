// bench/stack-read: time of one 30-frame stack read with the Python reader
// (`openPython(pid).sampleThread(tid)`), on every interpreter this machine has.
//
//   node dist/bench/stack-read.js [--reads 20000] [--rounds 5] [--depth 30]
// Alternating rounds: each round does reads/rounds reads on every interpreter in turn, so load
// changes on the machine hit every interpreter alike. Median and p99 are over all reads.
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { openPython, type PythonProcess } from "../src/python/index.js";
import { Child, REPO, TARGETS, flag, header, quantile, requireRoot, stopAll, table, track } from "./lib/util.js";

requireRoot();
const READS = Number(flag("reads", "20000"));
const ROUNDS = Number(flag("rounds", "5"));
const DEPTH = Number(flag("depth", "30"));

function interpreters(): Array<{ name: string; cmd: string }> {
  const out: Array<{ name: string; cmd: string }> = [];
  for (const v of ["3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"]) {
    const cmd = `/root/.pyenv/versions/${v}/bin/python3`;
    if (existsSync(cmd)) out.push({ name: `pyenv ${v}`, cmd });
  }
  if (existsSync("/usr/bin/python3.11")) out.push({ name: "debian /usr/bin/python3.11", cmd: "/usr/bin/python3.11" });
  try {
    // prints the wrapper that runs Debian unstable's python3.14 with its own loader (cached after the first run)
    const wrapper = execFileSync("bash", [resolve(REPO, "scripts/get-python314.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 120_000 }).trim();
    if (wrapper !== "") out.push({ name: "debian unstable 3.14 (ld.so wrapper)", cmd: wrapper });
  } catch (e) {
    console.log(`  3.14 skipped: scripts/get-python314.sh failed (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
  }
  return out;
}

interface Subject {
  name: string;
  proc: Child;
  py: PythonProcess;
  tid: number;
  version: string;
  frames: number;
  times: number[];
  torn: number;
  busyNs: bigint;
  reads: number;
}

header(`Python stack read: sampleThread(tid) of a thread ${DEPTH} frames deep in time.sleep (${READS} reads per interpreter, ${ROUNDS} alternating rounds)`);
const subjects: Subject[] = [];
try {
  for (const { name, cmd } of interpreters()) {
    const proc = track(new Child(cmd, [resolve(TARGETS, "deep_sleep.py"), String(DEPTH)]));
    try {
      await proc.waitFor(/"ready"/, 20_000, "stdout");
      const ready = proc.jsonLines()[0] ?? {};
      const py = openPython(proc.pid);
      const tid = Number(ready["tid"]);
      const first = py.sampleThread(tid);
      const v = py.version;
      subjects.push({ name, proc, py, tid, version: `${v.major}.${v.minor}`, frames: first?.frames.length ?? 0, times: [], torn: 0, busyNs: 0n, reads: 0 });
    } catch (e) {
      console.log(`  ${name}: skipped (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
      await proc.stop();
    }
  }
  // warm up (JIT, caches of the reader) then alternate
  for (const s of subjects) for (let i = 0; i < 2000; i++) s.py.sampleThread(s.tid);
  const perRound = Math.ceil(READS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of subjects) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) {
        const a = process.hrtime.bigint();
        const sample = s.py.sampleThread(s.tid);
        const b = process.hrtime.bigint();
        s.times.push(Number(b - a) / 1000);
        if (sample === null || sample.status !== "ok" || sample.frames.length !== s.frames) s.torn++;
      }
      s.busyNs += process.hrtime.bigint() - t0;
      s.reads += perRound;
    }
  }
  const rows = subjects.map((s) => [
    s.name,
    s.version,
    String(s.frames),
    quantile(s.times, 0.5).toFixed(2),
    quantile(s.times, 0.99).toFixed(2),
    quantile(s.times, 0.999).toFixed(1),
    Math.round(s.reads / (Number(s.busyNs) / 1e9)).toLocaleString("en-US"),
    String(s.torn),
  ]);
  console.log(table(["interpreter", "version", "frames read", "median µs", "p99 µs", "p99.9 µs", "samples/s (one thread, back to back)", "torn/short"], rows));
  console.log("  per-read times include two process.hrtime.bigint() calls (~0.1 µs). Goal: median ≤ 15 µs.");
} finally {
  for (const s of subjects) s.py.close();
  await stopAll();
  console.log("cleanup: targets stopped");
}

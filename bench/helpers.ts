// bench/helpers: what one BPF helper call costs on this machine — the budget every per-iteration
// program spends. Each variant is a tiny program on syscalls/sys_enter_getppid; a Python loop
// calls getppid() N times; the kernel's own statistics (kernel.bpf_stats_enabled = 1,
// run_time_ns / run_cnt in the program's fdinfo) give ns per run. "empty" is the cost of running
// a program at all with statistics on; each row's "+ ns" is over it.
//
//   node dist/bench/helpers.js [--calls 300000] [--reps 3]
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { asm, arrayMap, hashMap, PerCpuArray, Program, TracepointLink, u32Key, type BpfMap } from "../src/bpf/index.js";
import { Helper } from "../src/bpf/asm/opcodes.js";
import { DEFAULT_PYTHON, flag, header, median, requireRoot, table } from "./lib/util.js";

const { ldMapFd, mov64Imm, mov64Reg, add64Imm, st, call, exit, R0, R1, R2, R10, Size } = asm;
requireRoot();
const CALLS = Number(flag("calls", "300000"));
const REPS = Number(flag("reps", "3"));

const STATS = "/proc/sys/kernel/bpf_stats_enabled";
const hash = hashMap("bench_hash", 4, 32, 1024);
const array = arrayMap("bench_array", 32, 1);
const percpu = new PerCpuArray("bench_percpu", 32, 1);
hash.update(u32Key(1), Buffer.alloc(32));
const maps: BpfMap[] = [hash, array, percpu];

const lookup = (m: BpfMap, key: number) => [st(Size.W, R10, -4, key), ldMapFd(R1, m), mov64Reg(R2, R10), add64Imm(R2, -4), call(Helper.MapLookupElem)];
const VARIANTS: Array<[string, string, asm.Instruction[]]> = [
  ["empty", "no instruction but the return", []],
  ["get_current_pid_tgid", "the ids of the current task", [call(Helper.GetCurrentPidTgid)]],
  ["ktime_get_ns", "CLOCK_MONOTONIC", [call(Helper.KtimeGetNs)]],
  ["ktime_get_ns × 3", "three clock reads", [call(Helper.KtimeGetNs), call(Helper.KtimeGetNs), call(Helper.KtimeGetNs)]],
  ["get_smp_processor_id", "inlined by the verifier", [call(Helper.GetSmpProcessorId)]],
  ["get_current_task", "", [call(Helper.GetCurrentTask)]],
  ["hash lookup, hit", "u32 key", lookup(hash, 1)],
  ["hash lookup, miss", "u32 key", lookup(hash, 2)],
  ["array lookup", "inlined by the verifier", lookup(array, 0)],
  ["per-CPU array lookup", "inlined by the verifier", lookup(percpu, 0)],
];

function nsPerRun(p: Program): { ns: number; runs: number } {
  const info = readFileSync(`/proc/self/fdinfo/${p.fd}`, "utf8");
  return { ns: Number(/run_time_ns:\s+(\d+)/.exec(info)?.[1] ?? NaN), runs: Number(/run_cnt:\s+(\d+)/.exec(info)?.[1] ?? NaN) };
}

const previous = readFileSync(STATS, "utf8").trim();
writeFileSync(STATS, "1");
try {
  header(`BPF helper costs: ${CALLS} getppid() per run, ${REPS} runs, median ns per program run (kernel.bpf_stats_enabled)`);
  const vulns = (() => {
    try {
      return readFileSync("/sys/devices/system/cpu/vulnerabilities/spec_rstack_overflow", "utf8").trim();
    } catch {
      return "n/a";
    }
  })();
  console.log(`spec_rstack_overflow: ${vulns}; clocksource: ${readFileSync("/sys/devices/system/clocksource/clocksource0/current_clocksource", "utf8").trim()}`);
  const rows: string[][] = [];
  let base = NaN;
  for (const [name, note, body] of VARIANTS) {
    const p = Program.load({ name: "bench_helper", instructions: [...body, mov64Imm(R0, 0), exit()] });
    const link = TracepointLink.attach(p, "syscalls", "sys_enter_getppid");
    const per: number[] = [];
    try {
      for (let r = 0; r < REPS; r++) {
        const before = nsPerRun(p);
        execFileSync(DEFAULT_PYTHON, ["-c", `import os\nfor _ in range(${CALLS}): os.getppid()`]);
        const after = nsPerRun(p);
        per.push((after.ns - before.ns) / Math.max(1, after.runs - before.runs));
      }
    } finally {
      link?.close();
      p.close();
    }
    const m = median(per);
    if (name === "empty") base = m;
    rows.push([name, m.toFixed(1), name === "empty" ? "–" : (m - base).toFixed(1), note]);
  }
  console.log(table(["program body", "ns/run", "+ ns over empty", "note"], rows));
} finally {
  writeFileSync(STATS, previous);
  for (const m of maps) m.close();
}

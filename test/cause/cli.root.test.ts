// Cause accounting end to end through the CLI, as a user runs it: `blocksnoop --json -- python3 …`
// on the host, and the same with the tool inside a PID namespace of its own (the `kubectl debug
// --target` case, ids of that namespace). The fixture records each block's truth itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { requireRoot } from "../helpers/root.js";
import { cliPath } from "../helpers/cli.js";
import { FIXTURE, PYTHON } from "./fixture.js";

interface CauseJson {
  on_cpu_ms: number;
  off_cpu_ms: number;
  run_queue_ms: number;
  syscalls: Array<{ name: string; count: number; ms: number }>;
  longest_off_cpu: { ms: number; syscall: string | null; kernel_stack: string[] } | null;
  summary: string;
}
interface EventJson {
  pid: number;
  tid: number;
  start_ns: string | number;
  end_ns: string | number;
  duration_ms: number;
  cause: CauseJson | null;
}
interface TruthJson {
  how: string;
  start_ns: number;
  end_ns: number;
  tid: number;
}

/** Run the CLI on the cause fixture (optionally inside `unshare --pid --fork --mount-proc`); its events and the fixture's truth. */
async function run(prefix: string[]): Promise<{ ready: { pid: number; tid: number }; events: EventJson[]; truth: TruthJson[]; code: number | null; stderr: string }> {
  const config = JSON.stringify({ blocks: [{ how: "sleep", ms: 150 }, { how: "busy", ms: 120 }] });
  // chrt: on 2 cores the tool's own sampler must not preempt the target between its truth stamps and its wait
  const argv = [...prefix, process.execPath, cliPath, "--json", "-t", "60", "--", "chrt", "--fifo", "10", PYTHON, FIXTURE, config];
  const child = spawn(argv[0] ?? "", argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const events: EventJson[] = [];
  const truth: TruthJson[] = [];
  let ready: { pid: number; tid: number } | undefined;
  const lines = createInterface({ input: child.stdout! }); // stdio "pipe": stdout exists
  lines.on("line", (line) => {
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      return; // not JSON: nothing of ours
    }
    if (typeof o !== "object" || o === null) return;
    const r = o as Record<string, unknown>; // one JSON line: the tool's event or the fixture's record
    if (r["ready"] === true) {
      ready = { pid: Number(r["pid"]), tid: Number(r["tid"]) };
      child.stdin?.write("go\n");
    } else if ("event_number" in r) events.push(o as EventJson); // the tool's JSON event
    else if (typeof r["how"] === "string") truth.push(o as TruthJson); // the fixture's truth
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  clearTimeout(timer);
  assert.ok(ready !== undefined, stderr);
  return { ready, events, truth, code, stderr };
}

function check(r: Awaited<ReturnType<typeof run>>): void {
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.truth.length, 2, r.stderr);
  for (const t of r.truth) {
    const e = r.events.find((x) => x.tid === t.tid && BigInt(x.start_ns) <= BigInt(t.start_ns) && BigInt(x.end_ns) >= BigInt(t.end_ns));
    assert.ok(e !== undefined, `no event holds the ${t.how} block: ${JSON.stringify(r.events)}`);
    assert.equal(e.pid, r.ready.pid, "the pid as the target sees itself");
    const truthMs = (t.end_ns - t.start_ns) / 1e6;
    assert.ok(e.duration_ms - truthMs >= 0 && e.duration_ms - truthMs < 0.5, `${e.duration_ms} ms for a ${truthMs} ms block`);
    const c = e.cause;
    assert.ok(c !== null, `the ${t.how} block has a cause`);
    const sum = c.on_cpu_ms + c.off_cpu_ms + c.run_queue_ms;
    assert.ok(Math.abs(sum - e.duration_ms) <= e.duration_ms * 0.02, `on + off + run queue ${sum} ms vs ${e.duration_ms} ms`);
    if (t.how === "sleep") {
      assert.ok(c.off_cpu_ms > 0.9 * truthMs, c.summary);
      assert.equal(c.syscalls[0]?.name, "clock_nanosleep", c.summary);
      assert.equal(c.longest_off_cpu?.syscall, "clock_nanosleep");
      assert.ok(c.longest_off_cpu.kernel_stack.some((f) => /do_nanosleep|hrtimer_nanosleep/.test(f)), c.longest_off_cpu.kernel_stack.join(" < "));
      assert.match(c.summary, /off CPU in clock_nanosleep/);
    } else {
      assert.ok(c.on_cpu_ms + c.run_queue_ms > 0.95 * truthMs, c.summary);
      assert.ok(c.off_cpu_ms < 0.05 * truthMs, c.summary);
    }
  }
}

test("cli: --json events carry their cause (sleep → off CPU in clock_nanosleep with its kernel stack, busy → on CPU)", async (t) => {
  if (!requireRoot(t)) return;
  check(await run([]));
});

test("cli inside its own PID namespace: namespace ids, and the causes are still measured", async (t) => {
  if (!requireRoot(t)) return;
  const r = await run(["/usr/bin/unshare", "--pid", "--fork", "--mount-proc"]);
  check(r);
  // a new namespace counts from 1 (the tool's own threads take some): far below this machine's pids
  assert.ok(r.ready.pid < 100 && process.pid > 1000, `the launched target has a pid of the new namespace (${r.ready.pid})`);
});

// PID namespaces through the CLI as a user runs it, with namespaces the test makes itself
// (`unshare --pid --fork --mount-proc`), both ways:
//   - the tool inside the target's namespace (`kubectl debug --target`: an ephemeral container
//     sharing the pod's PID namespace), launching or attaching by the namespace's pid: events
//     carry the ids as seen inside;
//   - the tool on the node (initial namespace) attaching to a target that lives in a child
//     namespace, by its node pid: events carry the node's ids, and the Python stacks and thread
//     names are still found (CPython records its threads by their ids inside: NSpid translation).
// The target records its own blocks with time.monotonic_ns() and its own ids; durations must
// match within 0.5 ms. Real kernel, real BPF, real Python.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cliPath, repoRoot, runCli } from "../helpers/cli.js";
import { requireRoot } from "../helpers/root.js";
import { Running } from "../helpers/spawn.js";
import { nsTids } from "../../src/probes/loop-gap/nspid.js";
import { onlyChild, outerPids, pidNsIno } from "./procs.js";

const py = "/root/.pyenv/versions/3.12.1/bin/python3";
const target = path.join(repoRoot, "test/fixtures/ns/two_loops.py");
// --kill-child: whatever happens to the test, the namespace goes with its unshare.
const UNSHARE = ["/usr/bin/unshare", "--pid", "--fork", "--kill-child", "--mount-proc"];
// Targets at real-time priority, as in test/cli/watch.root.test.ts (on 2 cores the tool could
// otherwise preempt a target between its own end-of-block timestamp and its next wait), and each
// side on its own CPU: a busy SCHED_FIFO thread owns its CPU, and the tool's sampler thread
// (CFS), woken there while the tool's main thread keeps the other CPU busy (loading the cause
// probe, kernel symbols), would wait out the whole block and take no sample of it.
const TOOL_CPU = ["/usr/bin/taskset", "-c", "0"];
const RT = ["/usr/bin/taskset", "-c", String(os.cpus().length - 1), "/usr/bin/chrt", "--fifo", "10"];
const INIT_PID_NS = "4026531836";

interface Truth { start_ns: number; end_ns: number; tid: number; function: string }
interface Ready { pid: number; main: number; worker: number }
interface Event {
  event_number: number;
  duration_ms: number;
  start_ns: number;
  end_ns: number;
  pid: number;
  tid: number;
  thread_name: string | null;
  python_stacks: Array<Array<{ function: string }>> | null;
  cause: { on_cpu_ms: number; off_cpu_ms: number; run_queue_ms: number } | null;
}

const lines = <T>(text: string): T[] => text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as T);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "bs-ns-"));

async function waitForFile(file: string, ms = 15_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return fs.readFileSync(file, "utf8");
}

/**
 * The events are the truth's blocks, in order: same thread (`tidOf` maps the target's own tid to
 * the one the tool reports), kernel window around the program's own, duration within 0.5 ms, the
 * blocking function in the dominant stack, the Python thread name, and the block's cause.
 */
function assertMatches(events: Event[], truth: Truth[], pid: number, tidOf: (nsTid: number) => number, names: Map<number, string>): void {
  assert.equal(events.length, truth.length, `events ${JSON.stringify(events.map((e) => [e.tid, e.duration_ms]))} vs truth ${JSON.stringify(truth)}`);
  truth.forEach((t, i) => {
    const e = events[i];
    assert.ok(e !== undefined);
    const truthMs = (t.end_ns - t.start_ns) / 1e6;
    assert.equal(e.event_number, i + 1);
    assert.equal(e.pid, pid);
    assert.equal(e.tid, tidOf(t.tid), `block ${i + 1}: tid`);
    assert.ok(e.start_ns <= t.start_ns && t.end_ns <= e.end_ns, `block ${i + 1}: the kernel window contains the program's own`);
    assert.ok(Math.abs(e.duration_ms - truthMs) < 0.5, `block ${i + 1}: duration ${e.duration_ms} ms vs truth ${truthMs} ms`);
    const top = e.python_stacks?.[0]?.map((f) => f.function) ?? [];
    assert.ok(top.includes(t.function), `block ${i + 1}: ${t.function} in the dominant stack: ${top.join(" < ")}`);
    assert.equal(e.thread_name, names.get(t.tid));
    // Cause accounting, on the same ids: on + off CPU + run queue add up to the block, and the
    // sleep is off CPU, the busy loop on CPU.
    assert.ok(e.cause !== null, `block ${i + 1}: a cause`);
    const sum = e.cause.on_cpu_ms + e.cause.off_cpu_ms + e.cause.run_queue_ms;
    assert.ok(Math.abs(sum - e.duration_ms) < 0.5, `block ${i + 1}: cause ${sum} ms vs block ${e.duration_ms} ms`);
    const main = t.function === "blocking_sleep_main" ? e.cause.off_cpu_ms : e.cause.on_cpu_ms;
    assert.ok(main > 0.9 * e.duration_ms, `block ${i + 1}: ${JSON.stringify(e.cause)}`);
  });
}

const pythonNames = (ready: Ready) => new Map([[ready.main, "MainThread"], [ready.worker, "loop-worker"]]);

test("CLI inside a new PID namespace, launching the target: the namespace's pid and tids, durations as the target measured", (t) => {
  if (!requireRoot(t)) return;
  const dir = tmp();
  const truthFile = path.join(dir, "truth");
  try {
    const r = runCli(["--json", "-t", "30", "--", ...RT, py, target, truthFile, ""], { prefix: [...UNSHARE, ...TOOL_CPU], cwd: repoRoot });
    assert.equal(r.code, 0, r.stderr);
    const ready = JSON.parse(fs.readFileSync(`${truthFile}.ready`, "utf8")) as Ready;
    // The tool is its namespace's pid 1: the launched target is a small pid of that namespace.
    assert.match(r.stderr, new RegExp(`watching .* \\(pid ${ready.pid}\\)`));
    assert.ok(ready.pid < 100 && ready.worker !== ready.main, JSON.stringify(ready));
    const truth = lines<Truth>(fs.readFileSync(truthFile, "utf8"));
    assert.deepEqual(truth.map((b) => b.tid), [ready.main, ready.worker]);
    assertMatches(lines<Event>(r.stdout), truth, ready.pid, (tid) => tid, pythonNames(ready));
    assert.match(r.stderr, new RegExp(`pid ${ready.pid} tid ${ready.worker} \\(loop-worker\\): 1 event`));
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

for (const byTid of [false, true]) {
  test(`CLI inside the target's PID namespace (kubectl debug --target), attaching by the namespace's pid${byTid ? ", --tid by the namespace's tid" : ""}`, async (t) => {
    if (!requireRoot(t)) return;
    const dir = tmp();
    const truthFile = path.join(dir, "truth");
    const go = path.join(dir, "go");
    // The namespace's pid 1 is a shell that starts the target, then becomes the tool attaching to
    // it (with --tid: to its worker thread, by the id the target itself reports).
    const tid = byTid ? `--tid "$(until [ -s ${truthFile}.ready ]; do sleep 0.01; done; sed 's/.*"worker": *\\([0-9]*\\).*/\\1/' ${truthFile}.ready)"` : "";
    const script = `${[...RT, py, target, truthFile, go].join(" ")} & exec ${process.execPath} ${cliPath} "$!" ${tid} -t 30 --json`;
    const tool = new Running(TOOL_CPU[0] ?? "taskset", [...TOOL_CPU.slice(1), ...UNSHARE, "/bin/sh", "-c", script]); // taskset execs unshare
    try {
      const ready = JSON.parse(await waitForFile(`${truthFile}.ready`)) as Ready;
      await tool.waitFor(new RegExp(`watching pid ${ready.pid}, blocks ≥ 30 ms${byTid ? ` on tid ${ready.worker}` : ""};`));
      // Seen from the node, the target has other ids: the events must not carry those.
      const ino = pidNsIno(onlyChild(tool.pid));
      assert.ok(ino !== "" && ino !== INIT_PID_NS, `a new PID namespace: ${ino}`);
      const outer = outerPids(ino, ready.pid);
      assert.equal(outer.length, 1, `the target from outside: ${outer.join(",")}`);
      const outside = nsTids(outer[0] ?? 0); // node tid → namespace tid
      assert.ok([...outside].every(([node, ns]) => node !== ns), `every id differs outside: ${JSON.stringify([...outside])}`);
      fs.writeFileSync(go, "");
      const end = await tool.exited;
      assert.equal(end.code, 0, tool.stderr);
      assert.match(tool.stderr, new RegExp(`target ${ready.pid} exited`));
      const truth = lines<Truth>(fs.readFileSync(truthFile, "utf8"));
      assert.deepEqual(truth.map((b) => b.tid), [ready.main, ready.worker]);
      const expected = byTid ? truth.filter((b) => b.tid === ready.worker) : truth;
      assertMatches(lines<Event>(tool.stdout), expected, ready.pid, (tid) => tid, pythonNames(ready));
    } finally {
      tool.kill();
      fs.rmSync(dir, { recursive: true });
    }
  });
}

test("CLI on the node attaching to a target in a child PID namespace by its node pid: node ids, stacks and names through NSpid", async (t) => {
  if (!requireRoot(t)) return;
  const dir = tmp();
  const truthFile = path.join(dir, "truth");
  const go = path.join(dir, "go");
  const ns = new Running(UNSHARE[0] ?? "unshare", [...UNSHARE.slice(1), ...RT, py, target, truthFile, go]);
  let tool: Running | undefined;
  try {
    const ready = JSON.parse(await waitForFile(`${truthFile}.ready`)) as Ready;
    const pid = onlyChild(ns.pid); // chrt execs python: the target's node pid
    assert.notEqual(pidNsIno(pid), INIT_PID_NS);
    assert.notEqual(pid, ready.pid, "the target's pid differs inside and outside its namespace");
    const toNode = new Map([...nsTids(pid)].map(([node, inside]) => [inside, node]));
    assert.equal(toNode.get(ready.pid), pid);
    assert.ok(toNode.has(ready.worker), JSON.stringify([...toNode]));
    tool = new Running(TOOL_CPU[0] ?? "taskset", [...TOOL_CPU.slice(1), process.execPath, cliPath, String(pid), "-t", "30", "--json"]);
    await tool.waitFor(new RegExp(`watching pid ${pid},`));
    fs.writeFileSync(go, "");
    assert.equal((await ns.exited).code, 0, ns.stderr);
    const end = await tool.exited;
    assert.equal(end.code, 0, tool.stderr);
    const truth = lines<Truth>(fs.readFileSync(truthFile, "utf8"));
    assert.deepEqual(truth.map((b) => b.tid), [ready.main, ready.worker]);
    assertMatches(lines<Event>(tool.stdout), truth, pid, (tid) => toNode.get(tid) ?? -1, pythonNames(ready));
    assert.match(tool.stderr, new RegExp(`pid ${pid} tid ${toNode.get(ready.worker) ?? -1} \\(loop-worker\\): 1 event`));
  } finally {
    ns.kill();
    tool?.kill();
    fs.rmSync(dir, { recursive: true });
  }
});

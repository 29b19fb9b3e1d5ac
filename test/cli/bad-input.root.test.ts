// Odd targets and environments: detection goes on, and the reason for what is missing is given.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cliPath, repoRoot, runCli } from "../helpers/cli.js";
import { requireRoot } from "../helpers/root.js";
import { Running } from "../helpers/spawn.js";

const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Record<string, unknown>);

test("unsupported Python (3.7): the block is reported, stacks marked unavailable with the version", (t) => {
  if (!requireRoot(t)) return;
  const script = "import asyncio,time\nasync def m():\n    await asyncio.sleep(0.1)\n    time.sleep(0.12)\n    await asyncio.sleep(0.1)\nasyncio.run(m())";
  const r = runCli(["--json", "-t", "50", "--", "/root/.pyenv/versions/3.7.16/bin/python3", "-c", script], { cwd: repoRoot });
  assert.equal(r.code, 0, r.stderr);
  const [e, ...rest] = lines(r.stdout);
  assert.equal(rest.length, 0);
  assert.ok(e !== undefined && Number(e["duration_ms"]) >= 120, r.stdout);
  assert.equal(e["python_stacks"], null);
  assert.match(String(e["stacks_unavailable"]), /3\.7/);
});

test("a Node.js target: events with the reason stacks are absent; --stats works", (t) => {
  if (!requireRoot(t)) return;
  const js = path.join(repoRoot, "examples/node_block.js");
  const r = runCli(["--json", "--", process.execPath, js], { cwd: repoRoot });
  assert.equal(r.code, 0, r.stderr);
  const [e] = lines(r.stdout);
  assert.equal(e?.["python_stacks"], null);
  assert.match(String(e?.["stacks_unavailable"]), /not a C?Python process/i);
  const s = runCli(["--stats", "--json", "--", process.execPath, js], { cwd: repoRoot });
  assert.equal(s.code, 0, s.stderr);
  const last = lines(s.stdout).at(-1);
  assert.ok(last !== undefined && Number(last["count"]) >= 2 && Number(last["max_ms"]) >= 200, s.stdout);
});

test("--tid: only that thread's blocks (filtered in the kernel)", async (t) => {
  if (!requireRoot(t)) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bs-tid-"));
  const go = path.join(dir, "go");
  const target = new Running("/root/.pyenv/versions/3.12.1/bin/python3", [path.join(repoRoot, "test/fixtures/cli/two_loops.py"), go]);
  try {
    await target.waitFor(/"main"/, 15_000, "stdout");
    const tids = JSON.parse(target.stdout.trim()) as { main: number; worker: number };
    const all = new Running(process.execPath, [cliPath, "--json", "-t", "40", String(target.pid)]);
    const one = new Running(process.execPath, [cliPath, "--json", "-t", "40", "--tid", String(tids.worker), String(target.pid)]);
    await all.waitFor(/watching pid/);
    await one.waitFor(/watching pid/);
    fs.writeFileSync(go, "");
    await target.exited;
    await Promise.all([all.exited, one.exited]);
    const allEvents = lines(all.stdout);
    assert.deepEqual(allEvents.map((e) => e["tid"]).sort(), [tids.main, tids.worker].sort(), all.stdout);
    assert.equal(allEvents.find((e) => e["tid"] === tids.worker)?.["thread_name"], "loop-worker");
    const oneEvents = lines(one.stdout);
    assert.deepEqual(oneEvents.map((e) => e["tid"]), [tids.worker], one.stdout);
  } finally {
    target.kill();
    fs.rmSync(dir, { recursive: true });
  }
});

test("tracefs not mounted: blocksnoop mounts it and works", (t) => {
  if (!requireRoot(t)) return;
  const mounted = () => fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((l) => / - tracefs /.test(l) && l.split(" ")[4] === "/sys/kernel/tracing");
  while (mounted()) execFileSync("umount", ["/sys/kernel/tracing"]);
  // debugfs may expose tracefs too (/sys/kernel/debug/tracing); that is a valid place as well.
  const r = runCli(["--json", "-t", "100", "--", process.execPath, path.join(repoRoot, "examples/node_block.js")], { cwd: repoRoot });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lines(r.stdout).length, 1);
  assert.ok(mounted() || fs.existsSync("/sys/kernel/debug/tracing/events/syscalls"), "tracefs available after the run");
});

test("stdout and stderr closed early (`2>&1 | head -1`): the session still ends, the log file complete, the command's exit code passed through", async (t) => {
  if (!requireRoot(t)) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bs-pipe-"));
  const log = path.join(dir, "bs.log");
  const script = "import asyncio,time,sys\nasync def m():\n    for _ in range(3):\n        await asyncio.sleep(0.05)\n        time.sleep(0.06)\nasyncio.run(m())\nsys.exit(3)";
  const child = spawn(process.execPath, [cliPath, "-t", "30", "--log-file", log, "--", "/root/.pyenv/versions/3.12.1/bin/python3", "-c", script], { stdio: ["ignore", "pipe", "pipe"] });
  // read one line, then close both pipes: every later write fails with EPIPE
  await new Promise<void>((resolve) => child.stderr.once("data", () => resolve()));
  child.stdout.destroy();
  child.stderr.destroy();
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, 30_000);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  try {
    assert.equal(code, 3, "ended with the command's exit code (null: hung, killed after 30 s)");
    const records = lines(fs.readFileSync(log, "utf8"));
    assert.equal(records.filter((r) => r["duration_ms"] !== undefined).length, 3, "every block in the log file");
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

// Production lifecycle through the CLI: who the launched command runs as, signals, descendants,
// log rotation, discovery with metrics, container tags. Real kernel, real processes.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { cliPath, repoRoot, runCli } from "../helpers/cli.js";
import { requireRoot } from "../helpers/root.js";
import { Running } from "../helpers/spawn.js";

const app = path.join(repoRoot, "test/fixtures/cli/app.py");
const py = "/root/.pyenv/versions/3.12.1/bin/python3";
const lines = (text: string) => text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "bs-life-"));

test("launch under sudo runs the command as the invoking user; --user overrides", (t) => {
  if (!requireRoot(t)) return;
  const show = ["--", "/usr/bin/python3", "-c", "import os; print(os.getuid(), os.getgid())"];
  const sudo = runCli(show, { cwd: repoRoot, env: { SUDO_UID: "65534", SUDO_GID: "65534" } });
  assert.equal(sudo.code, 0, sudo.stderr);
  assert.equal(sudo.stdout.trim(), "65534 65534");
  const user = runCli(["--user", "65534", ...show], { cwd: repoRoot, env: { SUDO_UID: "1", SUDO_GID: "1" } });
  assert.equal(user.stdout.trim(), "65534 65534", user.stderr);
  const plain = runCli(show, { cwd: repoRoot, env: { SUDO_UID: "", SUDO_GID: "" } });
  assert.equal(plain.stdout.trim(), "0 0", plain.stderr);
});

test("SIGTERM is forwarded to the launched command; its exit code comes back", async (t) => {
  if (!requireRoot(t)) return;
  const script = "import signal,sys,time\nsignal.signal(signal.SIGTERM, lambda *a: sys.exit(42))\nprint('armed', flush=True)\ntime.sleep(30)";
  const tool = new Running(process.execPath, [cliPath, "--", "/usr/bin/python3", "-c", script]);
  try {
    await tool.waitFor(/armed/, 15_000, "stdout");
    tool.kill("SIGTERM");
    const end = await tool.exited;
    assert.equal(end.code, 42, tool.stderr);
    assert.match(tool.stderr, /--- blocksnoop session ---/);
  } finally {
    tool.kill();
  }
});

test("descendants are followed: `sh -c` forks the Python that blocks, with its stacks", (t) => {
  if (!requireRoot(t)) return;
  const dir = tmp();
  const truth = path.join(dir, "truth");
  // Lead time: the session adopts a descendant for stacks within a second of its first loop.
  const r = runCli(["--json", "-t", "50", "--", "/bin/sh", "-c", `${py} ${app} ${truth} '' 0 90:sleep; true`], { cwd: repoRoot, env: { APP_LEAD_S: "1.5" } });
  assert.equal(r.code, 0, r.stderr);
  const [e, ...rest] = lines(r.stdout);
  assert.equal(rest.length, 0, r.stdout);
  const t0 = JSON.parse(fs.readFileSync(truth, "utf8").trim()) as { tid: number };
  assert.equal(e?.["pid"], t0.tid, "the event names the Python child, not the shell");
  const top = (e?.["python_stacks"] as Array<Array<{ function: string }>> | null)?.[0]?.map((f) => f.function) ?? [];
  assert.ok(top.includes("blocking_sleep"), `stack: ${top.join(" < ")}`);
  fs.rmSync(dir, { recursive: true });
});

test("log file: rotated away and SIGHUP, nothing lost", async (t) => {
  if (!requireRoot(t)) return;
  const dir = tmp();
  const go = path.join(dir, "go");
  const log = path.join(dir, "b.jsonl");
  const target = new Running(py, [app, path.join(dir, "truth"), go, "0", "60:sleep", "300:sleep", "70:sleep"]);
  const tool = new Running(process.execPath, [cliPath, String(target.pid), "-t", "50", "--json", "--log-file", log]);
  try {
    await tool.waitFor(/watching pid/);
    fs.writeFileSync(go, "");
    await tool.waitFor(/"event_number":1/, 15_000, "stdout");
    fs.renameSync(log, `${log}.1`); // logrotate's move, during the 300 ms block
    tool.kill("SIGHUP");
    await target.exited;
    assert.equal((await tool.exited).code, 0, tool.stderr);
    const old = lines(fs.readFileSync(`${log}.1`, "utf8"));
    const now = lines(fs.readFileSync(log, "utf8"));
    const numbers = [...old, ...now].map((r) => r["event_number"]).filter((n) => n !== undefined);
    assert.deepEqual(numbers, [1, 2, 3]);
    assert.equal(now.at(-1)?.["level"], "info", "the summary goes to the new file");
  } finally {
    target.kill();
    tool.kill();
    fs.rmSync(dir, { recursive: true });
  }
});

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => resolve(body));
    }).on("error", reject);
  });
}

test("discovery (--match) finds a process started later; metrics per process and thread", async (t) => {
  if (!requireRoot(t)) return;
  const dir = tmp();
  const marker = `disc-${process.pid}-${Date.now()}`;
  const truthDir = path.join(dir, marker);
  fs.mkdirSync(truthDir);
  const tool = new Running(process.execPath, [cliPath, "--match", marker, "--json", "-t", "50", "--metrics", "127.0.0.1:0"]);
  let target: Running | undefined;
  try {
    await tool.waitFor(/metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/);
    const url = /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(tool.stderr)?.[1] ?? "";
    await tool.waitFor(/watching every process matching/);
    target = new Running(py, [app, path.join(truthDir, "truth"), "", "0", "80:sleep"], { APP_LEAD_S: "2" });
    await tool.waitFor(/"event_number":1/, 20_000, "stdout");
    const [e] = lines(tool.stdout);
    assert.equal(e?.["pid"], target.pid);
    const top = (e?.["python_stacks"] as Array<Array<{ function: string }>> | null)?.[0]?.map((f) => f.function) ?? [];
    assert.ok(top.includes("blocking_sleep"), `stack: ${top.join(" < ")}`);
    const metrics = await get(url);
    assert.match(metrics, new RegExp(`^blocksnoop_blocks_total\\{pid="${target.pid}",tid="${target.pid}",thread="MainThread",container_id=""\\} 1$`, "m"));
    const count = new RegExp(`^blocksnoop_loop_gap_seconds_count\\{pid="${target.pid}",tid="${target.pid}",[^}]*\\} (\\d+)$`, "m").exec(metrics);
    assert.ok(count !== null && Number(count[1]) >= 1, metrics);
    await target.exited;
    tool.kill("SIGINT");
    assert.equal((await tool.exited).code, 0, tool.stderr);
  } finally {
    target?.kill();
    tool.kill();
    fs.rmSync(dir, { recursive: true });
  }
});

test("events carry the container id and pod UID of the target's cgroup", async (t) => {
  if (!requireRoot(t)) return;
  // A kubelet (cgroupfs driver) + containerd path, made for real in the v1 pids hierarchy (or v2).
  const root = fs.existsSync("/sys/fs/cgroup/pids/cgroup.procs") ? "/sys/fs/cgroup/pids" : "/sys/fs/cgroup";
  const pod = "0d6f1c2e-3b4a-4c5d-8e9f-a0b1c2d3e4f5";
  const cid = "ab".repeat(32);
  const podDir = path.join(root, "kubepods", "besteffort", `pod${pod}`);
  const cg = path.join(podDir, cid);
  const dir = tmp();
  const go = path.join(dir, "go");
  const target = new Running(py, [app, path.join(dir, "truth"), go, "0", "70:sleep"]);
  try {
    fs.mkdirSync(cg, { recursive: true });
    fs.writeFileSync(path.join(cg, "cgroup.procs"), String(target.pid));
    const tool = new Running(process.execPath, [cliPath, String(target.pid), "--json", "-t", "50"]);
    await tool.waitFor(/watching pid/);
    fs.writeFileSync(go, "");
    await target.exited;
    await tool.exited;
    const [e] = lines(tool.stdout);
    assert.equal(e?.["container_id"], cid, tool.stdout);
    assert.equal(e?.["pod_uid"], pod);
  } finally {
    target.kill();
    fs.rmSync(dir, { recursive: true });
    for (const d of [cg, podDir]) {
      try {
        fs.rmdirSync(d);
      } catch {
        // a cgroup with a process left cannot go; the next run reuses it
      }
    }
  }
});

// blocksnoop doctor, end to end as a user runs it: as root on this machine (BPF works), against a
// real python3, against a PID that does not exist, and as an unprivileged user.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cliPath, repoRoot, runCli, copyBuild } from "../helpers/cli.js";
import { requireRoot } from "../helpers/root.js";

interface Report {
  checks: { id: string; status: string; detail: string; hint?: string }[];
  ok: boolean;
}

function parse(stdout: string): Report {
  const v: unknown = JSON.parse(stdout);
  assert.ok(typeof v === "object" && v !== null && "checks" in v && Array.isArray(v.checks), "a {checks, ok} document");
  return v as Report; // shape asserted above; fields are checked by the assertions that use them
}

function check(r: Report, id: string): Report["checks"][number] {
  return r.checks.find((c) => c.id === id) ?? assert.fail(`no check ${id} in ${r.checks.map((c) => c.id).join(",")}`);
}

test("doctor --json as root: BPF, ring buffer, tracefs and the wait tracepoints work here", (t) => {
  if (!requireRoot(t)) return;
  const r = runCli(["doctor", "--json"], { cwd: repoRoot });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const rep = parse(r.stdout);
  assert.equal(rep.ok, true);
  for (const id of ["kernel", "capabilities", "bpf-map", "bpf-program", "ring-buffer", "tracefs", "wait-tracepoints", "tracepoint-attach"]) {
    assert.equal(check(rep, id).status, "ok", `${id}: ${check(rep, id).detail}`);
  }
  assert.match(check(rep, "kernel").detail, new RegExp(os.release().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  assert.match(check(rep, "wait-tracepoints").detail, /epoll_pwait/);
  assert.ok(rep.checks.every((c) => (c.status === "ok") === (c.hint === undefined)), "a hint exactly when not ok");
});

async function startPython(): Promise<{ child: ChildProcess; version: string }> {
  const child = spawn("python3", ["-c", "import sys, time; print('%d.%d.%d' % sys.version_info[:3], flush=True); time.sleep(60)"], { stdio: ["ignore", "pipe", "inherit"] });
  const [chunk] = (await once(child.stdout ?? assert.fail("no stdout"), "data")) as [Buffer]; // 'data' carries one Buffer
  return { child, version: chunk.toString().trim() };
}

test("doctor <python3 pid>: memory readable, the interpreter's own version, stacks supported", async (t) => {
  if (!requireRoot(t)) return;
  const { child, version } = await startPython();
  try {
    const pid = child.pid ?? assert.fail("no pid");
    const r = runCli(["doctor", "--json", String(pid)], { cwd: repoRoot });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const rep = parse(r.stdout);
    assert.match(check(rep, "process").detail, new RegExp(`^${pid} python`));
    assert.equal(check(rep, "memory-access").status, "ok");
    const py = check(rep, "python");
    assert.equal(py.status, "ok", py.detail);
    assert.match(py.detail, new RegExp(`^CPython ${version.replace(/\./g, "\\.")} .*stacks supported`));
    assert.equal(check(rep, "target-namespace").detail, "same pid namespace; same mount namespace");
    const text = runCli(["doctor", String(pid)], { cwd: repoRoot });
    assert.equal(text.code, 0);
    assert.match(text.stdout, new RegExp(`✓ python +CPython ${version.replace(/\./g, "\\.")}`));
  } finally {
    child.kill("SIGKILL");
  }
});

test("doctor 4194000: no such process, exit 3", (t) => {
  if (!requireRoot(t)) return;
  const r = runCli(["doctor", "4194000"], { cwd: repoRoot });
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /✗ process +no process 4194000/);
});

test("doctor as an unprivileged user: missing capabilities with hints, exit 5", (t) => {
  if (!requireRoot(t)) return; // needs root to switch to another user
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "blocksnoop-doctor-"));
  try {
    copyBuild(tmp);
    fs.cpSync(path.join(repoRoot, "package.json"), path.join(tmp, "package.json"));
    // koffi's native binary lives in its per-platform optional dependency under @koromix.
    for (const m of ["commander", "koffi", "@koromix"]) fs.cpSync(path.join(repoRoot, "node_modules", m), path.join(tmp, "node_modules", m), { recursive: true });
    fs.chmodSync(tmp, 0o755);
    const r = runCli(["doctor", "--json", "1"], {
      cwd: tmp,
      bin: path.join(tmp, path.relative(repoRoot, cliPath)),
      prefix: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"],
    });
    assert.equal(r.code, 5, r.stdout + r.stderr);
    const rep = parse(r.stdout);
    assert.equal(rep.ok, false);
    const caps = check(rep, "capabilities");
    assert.equal(caps.status, "fail");
    assert.match(caps.detail, /missing CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, CAP_SYS_PTRACE/);
    assert.match(caps.hint ?? "", /root|CAP_BPF/);
    assert.equal(check(rep, "bpf-program").status, "fail");
    assert.match(check(rep, "bpf-program").hint ?? "", /CAP_BPF/);
    assert.equal(check(rep, "ptrace-capability").status, "warn");
    assert.equal(check(rep, "memory-access").status, "fail", "pid 1 is root's: not readable");
    assert.match(check(rep, "memory-access").hint ?? "", /CAP_SYS_PTRACE/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("the doctor's checks leave no file descriptor behind (maps, programs, perf events, links)", async (t) => {
  if (!requireRoot(t)) return;
  const { systemChecks } = await import("../../src/doctor/index.js");
  const { targetChecks } = await import("../../src/doctor/target.js");
  const { readerChecks } = await import("../../src/doctor/target-memory.js");
  await systemChecks(); // first run loads koffi and libc, which keep their own descriptors
  const before = fs.readdirSync("/proc/self/fd").length;
  const checks = await systemChecks();
  checks.push(...targetChecks(process.pid, readerChecks).checks);
  assert.equal(checks.find((c) => c.id === "tracepoint-attach")?.status, "ok");
  assert.equal(fs.readdirSync("/proc/self/fd").length, before);
});

test("doctor <a thread id>: says whose thread it is and how to watch it", async (t) => {
  if (!requireRoot(t)) return;
  const script = "import threading, time; threading.Thread(target=time.sleep, args=(60,), daemon=True).start(); print('up', flush=True); time.sleep(60)";
  const child = spawn("python3", ["-c", script], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await once(child.stdout ?? assert.fail("no stdout"), "data");
    const pid = child.pid ?? assert.fail("no pid");
    const tid = fs.readdirSync(`/proc/${pid}/task`).map(Number).find((x) => x !== pid) ?? assert.fail("a second thread");
    const rep = parse(runCli(["doctor", "--json", String(tid)], { cwd: repoRoot }).stdout);
    const p = check(rep, "process");
    assert.equal(p.status, "warn");
    assert.match(p.detail, new RegExp(`a thread of process ${pid}$`));
    assert.equal(p.hint, `watch process ${pid}, with --tid ${tid} for this thread only`);
  } finally {
    child.kill("SIGKILL");
  }
});

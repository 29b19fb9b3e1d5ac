// doctor across pid namespaces, both ways round: a target inside a new pid + mount namespace seen
// from the host, and the doctor itself inside one (as in `kubectl debug --target`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import { repoRoot, runCli } from "../helpers/cli.js";
import { requireRoot } from "../helpers/root.js";

/** Host PIDs of the children of `ppid` (scan of /proc: /proc/PID/task/PID/children needs CONFIG_PROC_CHILDREN). */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === ppid) out.push(Number(e));
    } catch {
      // exited while scanning
    }
  }
  return out;
}

function checkOf(stdout: string, id: string): { status: string; detail: string } {
  const v: unknown = JSON.parse(stdout);
  const checks = typeof v === "object" && v !== null && "checks" in v && Array.isArray(v.checks) ? (v.checks as unknown[]) : [];
  for (const c of checks) {
    if (typeof c === "object" && c !== null && "id" in c && c.id === id && "status" in c && "detail" in c) return { status: String(c.status), detail: String(c.detail) };
  }
  return assert.fail(`no check ${id}`);
}

test("doctor <pid of a python3 in its own pid and mount namespace>: NSpid shown, Python still read", async (t) => {
  if (!requireRoot(t)) return;
  const script = "import sys, time; print('%d.%d.%d' % sys.version_info[:3], flush=True); time.sleep(60)";
  const unshare = spawn("unshare", ["--pid", "--fork", "--mount-proc", "python3", "-c", script], { stdio: ["ignore", "pipe", "inherit"] });
  let pid: number | undefined;
  try {
    const [chunk] = (await once(unshare.stdout, "data")) as [Buffer]; // 'data' carries one Buffer
    const version = chunk.toString().trim();
    pid = childrenOf(unshare.pid ?? assert.fail("no pid"))[0];
    assert.ok(pid !== undefined, "unshare forked the python");
    const r = runCli(["doctor", "--json", String(pid)], { cwd: repoRoot });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const ns = checkOf(r.stdout, "target-namespace");
    assert.equal(ns.detail, `another pid namespace (NSpid ${pid} → 1); another mount namespace (files read through /proc/PID/root)`);
    const py = checkOf(r.stdout, "python");
    assert.equal(py.status, "ok", py.detail);
    assert.ok(py.detail.startsWith(`CPython ${version} `), py.detail);
  } finally {
    // The python is the namespace's init: killing unshare would only orphan it.
    if (pid !== undefined) process.kill(pid, "SIGKILL");
    unshare.kill("SIGKILL");
  }
});

test("doctor inside a new pid namespace: says so, and BPF still works (same user namespace)", (t) => {
  if (!requireRoot(t)) return;
  const r = runCli(["doctor", "--json"], { cwd: repoRoot, prefix: ["unshare", "--pid", "--fork", "--mount-proc"] });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(checkOf(r.stdout, "pid-namespace").detail, /^container pid namespace \(inode \d+, host is 4026531836\)/);
  assert.equal(checkOf(r.stdout, "bpf-program").status, "ok");
  assert.equal(checkOf(r.stdout, "tracepoint-attach").status, "ok");
});

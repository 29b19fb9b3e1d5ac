// Locating tracefs in each situation blocksnoop meets, and reading which wait tracepoints exist
// from a fake tracefs tree (x86_64 has all seven; arm64 lacks epoll_wait, poll and select).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ToolError } from "../../src/errors.js";
import { locateTracefs, waitTracepointsCheck, type TracefsEnv } from "../../src/doctor/tracefs.js";

const MOUNTED = "36 25 0:12 / /sys/kernel/tracing rw,nosuid,nodev,noexec,relatime shared:17 - tracefs tracefs rw\n";
const NONE = "22 1 0:21 / /proc rw,nosuid - proc proc rw\n";

function env(over: Partial<TracefsEnv>): TracefsEnv {
  return {
    mountinfo: () => NONE,
    readable: () => undefined,
    exists: () => false,
    mount: () => assert.fail("must not mount"),
    ...over,
  };
}

test("mounted and readable", () => {
  const r = locateTracefs(false, env({ mountinfo: () => MOUNTED }));
  assert.deepEqual(r, { check: { id: "tracefs", status: "ok", detail: "mounted at /sys/kernel/tracing" }, root: "/sys/kernel/tracing" });
});

test("mounted but root-only (an unprivileged user)", () => {
  const r = locateTracefs(false, env({ mountinfo: () => MOUNTED, readable: () => "EACCES" }));
  assert.equal(r.check.status, "fail");
  assert.match(r.check.detail, /not readable \(EACCES\)/);
  assert.equal(r.root, undefined);
});

test("only through debugfs (older distributions)", () => {
  const r = locateTracefs(false, env({ exists: (p) => p === "/sys/kernel/debug/tracing/events" }));
  assert.equal(r.check.status, "ok");
  assert.equal(r.root, "/sys/kernel/debug/tracing");
});

test("not mounted: mounted by the doctor when it may, as blocksnoop does", () => {
  const r = locateTracefs(true, env({ mount: () => "/sys/kernel/tracing" }));
  assert.equal(r.check.status, "ok");
  assert.match(r.check.detail, /was not mounted: mounted it at \/sys\/kernel\/tracing, as blocksnoop does when it starts/);
});

test("not mounted and cannot be: a fail with the mount command", () => {
  const denied = locateTracefs(false, env({}));
  assert.equal(denied.check.status, "fail");
  assert.match(denied.check.detail, /CAP_SYS_ADMIN/);
  assert.match(denied.check.hint ?? "", /mount -t tracefs nodev \/sys\/kernel\/tracing/);
  const broken = locateTracefs(true, env({ mount: () => { throw new ToolError("not-supported", "mount tracefs at /sys/kernel/tracing", { cause: new Error("permission denied") }); } }));
  assert.equal(broken.check.status, "fail");
  assert.match(broken.check.detail, /mounting failed: mount tracefs at \/sys\/kernel\/tracing: permission denied/);
});

function fakeTracefs(syscalls: string[] | undefined): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "blocksnoop-tracefs-"));
  fs.mkdirSync(path.join(root, "events"));
  for (const s of syscalls ?? []) {
    for (const dir of [`sys_enter_${s}`, `sys_exit_${s}`]) fs.mkdirSync(path.join(root, "events/syscalls", dir), { recursive: true });
  }
  return root;
}

test("wait tracepoints: x86_64, arm64, none, and a kernel without syscall tracepoints", () => {
  const roots: string[] = [];
  try {
    const x86 = fakeTracefs(["epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll", "select", "pselect6"]);
    const arm = fakeTracefs(["epoll_pwait", "epoll_pwait2", "ppoll", "pselect6"]);
    const selectOnly = fakeTracefs(["select"]);
    const noSyscalls = fakeTracefs(undefined);
    roots.push(x86, arm, selectOnly, noSyscalls);
    assert.deepEqual(waitTracepointsCheck(x86), { id: "wait-tracepoints", status: "ok", detail: "present: epoll_wait, epoll_pwait, epoll_pwait2, poll, ppoll, select, pselect6" });
    assert.equal(waitTracepointsCheck(arm).detail, "present: epoll_pwait, epoll_pwait2, ppoll, pselect6; absent: epoll_wait, poll, select");
    assert.equal(waitTracepointsCheck(arm).status, "ok");
    assert.equal(waitTracepointsCheck(selectOnly).status, "fail");
    assert.match(waitTracepointsCheck(noSyscalls).detail, /CONFIG_FTRACE_SYSCALLS/);
    assert.equal(waitTracepointsCheck(undefined).status, "warn");
  } finally {
    for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
  }
});

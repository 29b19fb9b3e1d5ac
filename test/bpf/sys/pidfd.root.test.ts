// pidfd_open against the real kernel: errors keep errno and a kind; a pidfd added to the probe's
// waiter fires when the process exits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { requireRoot } from "../../helpers/root.js";
import { closeFd, pidfdOpen } from "../../../src/bpf/index.js";
import { ToolError } from "../../../src/errors.js";
import { LoopGapProbe } from "../../../src/probes/loop-gap/index.js";
import { openFds } from "../leaks.js";

test("pidfdOpen: ESRCH is not-found, a bad pid is usage, a non-leader thread is refused", (t) => {
  if (!requireRoot(t)) return;
  const before = openFds();
  const fd = pidfdOpen(process.pid);
  assert.ok(fd >= 0);
  closeFd(fd);
  assert.throws(() => pidfdOpen(0), (e: unknown) => e instanceof ToolError && e.kind === "usage");
  // pid_max is at most 2^22 (linux include/linux/threads.h PID_MAX_LIMIT): this pid cannot exist
  assert.throws(() => pidfdOpen(4_194_304 + 1), (e: unknown) => e instanceof ToolError && e.kind === "not-found" && e.errno === 3 && /ESRCH/.test(e.message));
  // a thread that is not a group leader, without PIDFD_THREAD (linux 6.9 flag; we pass 0): ENOENT
  // on linux 6.18 (observed), EINVAL on older kernels
  const other = readdirSync(`/proc/${process.pid}/task`).map(Number).find((tid) => tid !== process.pid);
  if (other !== undefined) {
    assert.throws(() => pidfdOpen(other), (e: unknown) => e instanceof ToolError && ((e.kind === "not-found" && e.errno === 2) || (e.kind === "usage" && e.errno === 22)));
  }
  assert.equal(openFds(), before);
});

test("a pidfd added with probe.addWakeFd fires when its process exits, not before", async (t) => {
  if (!requireRoot(t)) return;
  const before = openFds();
  const child = spawn("/bin/sleep", ["0.3"], { stdio: "ignore" });
  const exited = new Promise<number>((resolve) => child.on("exit", () => resolve(Date.now())));
  const fd = pidfdOpen(child.pid!); // spawned: it has a pid
  const probe = await LoopGapProbe.open({ pids: [], thresholdNs: 1_000_000n, stats: false });
  try {
    const started = Date.now();
    const fired = new Promise<number>((resolve) => probe.addWakeFd(fd, () => resolve(Date.now())));
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 5000).unref());
    const at = await Promise.race([fired, timeout]);
    assert.notEqual(at, "timeout", "the pidfd never fired");
    assert.ok(typeof at === "number" && at - started >= 200, `fired after ${Number(at) - started} ms, before the process exited`);
    const exitAt = await exited;
    assert.ok(Math.abs(Number(at) - exitAt) < 1000);
  } finally {
    probe.close();
    await probe.whenClosed();
    closeFd(fd);
    child.kill();
  }
  assert.equal(openFds(), before);
});

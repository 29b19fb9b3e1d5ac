import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { requireRoot } from "../../helpers/root.js";
import { LoopGapProbe, type LoopThread } from "../../../src/probes/loop-gap/index.js";
import { pythonFixture } from "./fixture.js";
import { assertBlocksReported } from "./match.js";
import { runSession } from "./run.js";

const PYTHON = "/root/.pyenv/versions/3.13.0/bin/python3";

test("a loop in a non-main thread is reported with its tid and thread name", async (t) => {
  if (!requireRoot(t)) return;
  const fx = pythonFixture(PYTHON, { thread: true, blocks: [{ ms: 70, how: "busy" }, { ms: 300, how: "sleep" }] });
  let ready;
  try {
    ready = await fx.ready;
    assert.notEqual(ready.tid, ready.pid);
    assert.equal(readFileSync(`/proc/${ready.pid}/task/${ready.tid}/comm`, "utf8").trim(), "loop-thread");
  } catch (e) {
    fx.kill();
    throw e;
  }
  let threads: LoopThread[] = [];
  const s = await runSession([fx], { thresholdNs: 30_000_000n, stats: false, tid: ready.tid }, async (probe) => {
    for (let i = 0; i < 100 && threads.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      threads = probe.loopThreads();
    }
  });
  assertBlocksReported(s.events, s.truth[0]!);
  assert.ok(s.events.every((e) => e.tid === ready.tid && e.pid === ready.pid));
  assert.deepEqual(threads, [{ pid: ready.pid, tid: ready.tid, name: "loop-thread", waits: "epoll" }]); // --tid: only that thread is tracked
  assert.deepEqual(s.loopThreads, []); // the process has exited: its threads are pruned
});

test("runPhaseStart is set while a callback runs and unset while the loop waits", async (t) => {
  if (!requireRoot(t)) return;
  const fx = pythonFixture(PYTHON, { blocks: [{ ms: 400, how: "sleep" }] });
  try {
    const ready = await fx.ready;
    const probe = await LoopGapProbe.open({ pids: [ready.pid], thresholdNs: null, stats: true });
    try {
      assert.equal(probe.runPhaseStart(ready.tid), undefined); // parked in epoll_wait, never seen leaving it
      fx.go();
      let during: bigint | undefined;
      for (let i = 0; i < 100 && during === undefined; i++) {
        await new Promise((r) => setTimeout(r, 10));
        during = probe.runPhaseStart(ready.tid);
      }
      assert.ok(during !== undefined && during >= probe.armedAtNs, "run phase seen during the block");
      assert.ok(probe.loopThreads().some((x) => x.tid === ready.tid && x.pid === ready.pid));
      await fx.done;
    } finally {
      probe.close();
      await probe.whenClosed();
    }
  } finally {
    fx.kill();
  }
});

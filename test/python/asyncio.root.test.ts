import { test } from "node:test";
import assert from "node:assert/strict";
import { requireRoot } from "../helpers/root.js";
import { openPython } from "../../src/python/index.js";
import { fixture } from "./fixtures.js";
import { interpreters, startTarget } from "./interpreters.js";

test("the loop thread and its running task (named) while it blocks in sync code", async (t) => {
  if (!requireRoot(t)) return;
  for (const py of interpreters()) {
    await t.test(py.label, async () => {
      const target = await startTarget(py.path, fixture("asyncio_target.py"));
      try {
        const { loop_tid } = target.first as { loop_tid: number };
        const p = openPython(target.pid);
        try {
          const threads = p.threads();
          const loop = threads.find((x) => x.tid === loop_tid);
          assert.ok(loop, "loop thread found");
          assert.equal(loop.loop, true, "loop thread marked");
          assert.equal(threads.filter((x) => x.loop).length, 1, "only the loop thread is marked");
          assert.equal(loop.frames[0]?.function, "sync_work");
          {
            assert.equal(loop.task?.name, "blocker");
            assert.deepEqual(loop.task?.coroutines, ["blocker_coro", "inner_step"]);
          }
          const fast = p.sampleThread(loop_tid, { asyncio: true });
          assert.deepEqual({ loop: fast?.loop, task: fast?.task }, { loop: true, task: loop.task });
          assert.equal(p.sampleThread(loop_tid)?.task, null);
        } finally {
          p.close();
        }
      } finally {
        await target.stop();
      }
    });
  }
});

test("uvloop (3.14 from Debian unstable): loop thread and named running task", async (t) => {
  if (!requireRoot(t)) return;
  const py = interpreters().find((i) => i.minor === 14);
  assert.ok(py, "3.14 provided by scripts/get-python314.sh (with python3-uvloop)");
  const target = await startTarget(py.path, fixture("asyncio_target.py"), ["uvloop"]);
  try {
    const { loop_tid } = target.first as { loop_tid: number };
    const p = openPython(target.pid);
    try {
      const loop = p.threads().find((x) => x.tid === loop_tid);
      assert.equal(loop?.loop, true);
      assert.equal(loop?.task?.name, "blocker");
      assert.deepEqual(loop?.task?.coroutines, ["blocker_coro", "inner_step"]);
      assert.equal(loop?.frames[0]?.function, "sync_work");
    } finally {
      p.close();
    }
  } finally {
    await target.stop();
  }
});

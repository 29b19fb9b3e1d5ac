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

test("3.14 with a shared _asyncio: a loop started after attaching is still found", async (t) => {
  if (!requireRoot(t)) return;
  const py = interpreters().find((i) => i.minor === 14);
  assert.ok(py);
  const target = await startTarget(py.path, fixture("asyncio_late_target.py"));
  try {
    assert.equal((target.first as { asyncio: boolean }).asyncio, false, "asyncio not imported yet");
    const p = openPython(target.pid);
    try {
      assert.equal(p.threads().some((x) => x.loop), false);
      const second = new Promise<string>((res) => {
        let out = "";
        target.child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("\n")) res(out);
        });
      });
      target.child.stdin.write("go\n");
      const { loop_tid } = JSON.parse(await second) as { loop_tid: number };
      await new Promise((r) => setTimeout(r, 1100)); // the reader re-looks for the module at most once a second
      const loop = p.threads().find((x) => x.tid === loop_tid);
      assert.equal(loop?.loop, true);
      assert.equal(loop?.task?.name, "blocker");
    } finally {
      p.close();
    }
  } finally {
    await target.stop();
  }
});

// A target in its own PID namespace (as in a container, seen from the host): thread ids are
// reported as the target sees them (NSpid), and stacks still match its own view.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { requireRoot } from "../helpers/root.js";
import { openPython } from "../../src/python/index.js";
import { fixture } from "./fixtures.js";
import { interpreters, startTarget } from "./interpreters.js";

interface Reported {
  pid: number;
  threads: { tid: number; name: string; frames: unknown[] }[];
}

test("a target in another PID namespace reports namespace-local thread ids", async (t) => {
  if (!requireRoot(t)) return;
  for (const py of interpreters().filter((i) => i.minor === 9 || i.minor === 12)) {
    await t.test(py.label, async () => {
      // `unshare --pid --fork` is the parent; the Python process is its only child.
      const target = await startTarget("unshare", "--pid", ["--fork", "--mount-proc", py.path, fixture("stacks_target.py"), "4"]);
      try {
        const want = target.first as Reported;
        assert.equal(want.pid, 1, "target runs as pid 1 of its namespace");
        const hostPid = Number(readFileSync(`/proc/${target.pid}/task/${target.pid}/children`, "utf8").trim().split(/\s+/)[0]);
        assert.ok(hostPid > 1);
        await new Promise((r) => setTimeout(r, 300)); // reporter thread exits
        const p = openPython(hostPid);
        try {
          const got = p.threads();
          for (const w of want.threads) {
            const g = got.find((x) => x.tid === w.tid);
            assert.ok(g, `namespace tid ${w.tid} reported`);
            assert.equal(g.name, w.name);
            assert.deepEqual(g.frames, w.frames);
          }
        } finally {
          p.close();
        }
      } finally {
        await target.stop();
      }
    });
  }
});

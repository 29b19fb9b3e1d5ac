// Every interpreter: two threads with known stacks (1200-deep recursion, non-ASCII names, nested
// classes); the reader must match the target's own sys._current_frames() view exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { requireRoot } from "../helpers/root.js";
import { openPython } from "../../src/python/index.js";
import { collect } from "../../src/dump/index.js";
import { fixture } from "./fixtures.js";
import { interpreters, startTarget } from "./interpreters.js";

interface Reported {
  pid: number;
  threads: { tid: number; name: string; frames: { function: string; file: string; line: number }[] }[];
}

test("stacks match the target's own view on every interpreter", async (t) => {
  if (!requireRoot(t)) return;
  for (const py of interpreters()) {
    await t.test(py.label, async () => {
      const target = await startTarget(py.path, fixture("stacks_target.py"), ["1200"], { threads: 2 });
      try {
        const want = target.first as Reported;
        const p = openPython(target.pid);
        try {
          assert.equal(p.version.minor, py.minor);
          let got = p.threads();
          // the reporter thread that printed the report may take a moment to disappear
          for (let i = 0; i < 50 && got.length > want.threads.length; i++) {
            await new Promise((r) => setTimeout(r, 20));
            got = p.threads();
          }
          assert.equal(got.length, want.threads.length, "thread count");
          for (const w of want.threads) {
            const g = got.find((x) => x.tid === w.tid);
            assert.ok(g, `thread ${w.tid} (${w.name}) not found`);
            assert.equal(g.status, "ok", g.error);
            assert.deepEqual(g.frames, w.frames, `thread ${w.name}`);
            assert.equal(g.name, w.name, "thread name");
          }
          const deep = got.find((x) => x.frames.length > 1000);
          assert.ok(deep, "the 1200-deep thread is read in full");
          const one = p.sampleThread(deep.tid);
          assert.deepEqual(one?.frames, deep.frames);
        } finally {
          p.close();
        }
        const doc = collect({ pid: target.pid, locals: false });
        assert.equal(doc.python.split(".").slice(0, 2).join("."), `3.${py.minor}`);
        for (const w of want.threads) {
          const d = doc.threads.find((x) => x.tid === w.tid);
          assert.deepEqual(d?.frames.map((f) => ({ function: f.function, file: f.file, line: f.line })), w.frames);
          assert.ok(d?.frames.some((f) => f.source !== null && f.source.includes("méthode_ünïcode")) || w.name === "MainThread");
        }
      } finally {
        await target.stop();
      }
    });
  }
});

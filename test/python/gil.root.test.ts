import { test } from "node:test";
import assert from "node:assert/strict";
import { requireRoot } from "../helpers/root.js";
import { openPython } from "../../src/python/index.js";
import { fixture } from "./fixtures.js";
import { interpreters, startTarget } from "./interpreters.js";

test("the GIL holder is the thread spinning in Python", async (t) => {
  if (!requireRoot(t)) return;
  for (const py of interpreters()) {
    await t.test(py.label, async () => {
      const target = await startTarget(py.path, fixture("gil_target.py"));
      try {
        const { spinner } = target.first as { spinner: number };
        const p = openPython(target.pid);
        try {
          let hits = 0;
          const n = 200;
          for (let i = 0; i < n; i++) if (p.gilHolderTid() === spinner) hits++;
          t.diagnostic(`${py.label}: spinner held the GIL in ${hits}/${n} reads`);
          assert.ok(hits > n * 0.5, `spinner held the GIL in ${hits}/${n} reads`);
          const marked = p.threads().filter((x) => x.holdsGil);
          assert.ok(marked.length <= 1);
        } finally {
          p.close();
        }
      } finally {
        await target.stop();
      }
    });
  }
});

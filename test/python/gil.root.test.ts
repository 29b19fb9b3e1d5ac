import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
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
        // The main thread prints, then blocks in read(2) — until then it may hold the GIL, longer
        // on a loaded machine: sample once it sleeps in read (/proc/PID/syscall: nr 0 on x86-64,
        // 63 on arm64), and spread the reads over ~100 ms rather than ~2 ms.
        const readNr = process.arch === "arm64" ? "63" : "0";
        for (let i = 0; i < 500; i++) {
          if (fs.readFileSync(`/proc/${target.pid}/syscall`, "utf8").split(" ")[0] === readNr) break;
          await new Promise((r) => setTimeout(r, 2));
        }
        const p = openPython(target.pid);
        try {
          let hits = 0;
          const n = 200;
          for (let i = 0; i < n; i++) {
            if (p.gilHolderTid() === spinner) hits++;
            if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
          }
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

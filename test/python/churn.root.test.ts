// A target recursing to random depths in a tight loop, sampled 10,000 times per interpreter
// without stopping it: no garbage frames ever; torn samples are counted (printed), bounded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { requireRoot } from "../helpers/root.js";
import { openPython } from "../../src/python/index.js";
import { fixture } from "./fixtures.js";
import { interpreters, startTarget } from "./interpreters.js";

const KNOWN = new Set(["churn_a", "churn_b", "churn_loop", "Thread.run", "Thread._bootstrap_inner", "Thread._bootstrap", "run", "_bootstrap_inner", "_bootstrap",
  "randrange", "Random.randrange", "_randbelow_with_getrandbits", "Random._randbelow_with_getrandbits", "_randbelow", "Random._randbelow"]);
const FILES = ["churn_target.py", "threading.py", "random.py"];

test("churning stacks: no garbage frames, bounded torn rate", async (t) => {
  if (!requireRoot(t)) return;
  for (const py of interpreters()) {
    await t.test(py.label, async () => {
      const target = await startTarget(py.path, fixture("churn_target.py"));
      try {
        const { tid } = target.first as { tid: number };
        const p = openPython(target.pid);
        try {
          const n = 10_000;
          let torn = 0, ok = 0, frames = 0, incomplete = 0;
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < n; i++) {
            const s = p.sampleThread(tid);
            assert.ok(s !== null, "thread found");
            if (s.status === "torn") {
              torn++;
              assert.equal(s.frames.length, 0);
              continue;
            }
            ok++;
            frames += s.frames.length;
            for (const f of s.frames) {
              assert.ok(KNOWN.has(f.function), `garbage function ${JSON.stringify(f.function)}`);
              assert.ok(FILES.some((x) => f.file.endsWith(x)), `garbage file ${f.file}`);
            }
            if (s.frames[s.frames.length - 1]?.function.endsWith("_bootstrap") !== true) incomplete++;
          }
          const us = Number(process.hrtime.bigint() - t0) / n / 1000;
          const line = `${py.label}: ${n} samples, torn ${((100 * torn) / n).toFixed(2)}%, incomplete ${incomplete}, mean ${(frames / Math.max(ok, 1)).toFixed(1)} frames, ${us.toFixed(1)} µs/sample`;
          t.diagnostic(line);
          console.log(`# churn ${line}`);
          // 3.8–3.10 frames are heap objects read one by one while the target churns them
          // (measured 5–65% torn here depending on machine load); 3.11+ copy the data stack.
          assert.ok(torn < n * (py.minor >= 11 ? 0.25 : 0.9), `torn rate ${torn}/${n}`);
          // 3.11+: the chain's end is checked (entry flag / shim), so an accepted sample is whole;
          // 3.8–3.10 recycle heap frames at the same address, a rare ABA can cut a stack short
          // (every frame shown is still real: checked above). Measured 44–107 per 10 000 on this
          // machine across CI runs, so the bound is 2 %: it catches a regression, not the noise.
          assert.ok(py.minor >= 11 ? incomplete === 0 : incomplete < n * 0.02, `incomplete stacks ${incomplete}/${n}`);
        } finally {
          p.close();
        }
      } finally {
        await target.stop();
      }
    });
  }
});

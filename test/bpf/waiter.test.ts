// FdWaiter and process exit: a wait outstanding on the threadpool must not keep the process alive.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const waiterUrl = new URL("../../src/bpf/waiter.js", import.meta.url).href;

function exitWith(how: string): { status: number | null; ms: number } {
  const script = `import { FdWaiter } from ${JSON.stringify(waiterUrl)};\nconst w = new FdWaiter();\nvoid w.wait();\nsetTimeout(() => { ${how} }, 50);\n`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { timeout: 10_000, stdio: "ignore" });
  return { status: r.status, ms: performance.now() - t0 };
}

test("process.exit() with a wait outstanding exits (Node joins the threadpool at exit: the waiter wakes itself)", () => {
  const r = exitWith("process.exit(3);");
  assert.equal(r.status, 3, `hung (killed after ${Math.round(r.ms)} ms)`);
});

test("an uncaught exception with a wait outstanding exits with 1", () => {
  const r = exitWith('throw new Error("boom");');
  assert.equal(r.status, 1, `hung (killed after ${Math.round(r.ms)} ms)`);
});

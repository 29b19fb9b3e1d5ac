// Style rule 14: the hand-written 3.8–3.12 tables are re-derived live by
// scripts/gen-legacy-offsets.py on every interpreter the machine has, and must agree.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { requireRoot } from "../helpers/root.js";
import { chooseLayout } from "../../src/python/layout/choose.js";
import { fixture, repoRoot } from "./fixtures.js";
import { interpreters, startTarget } from "./interpreters.js";
import { openPython, type PythonLayout } from "../../src/python/index.js";

test("3.8–3.12 offset tables agree with the live interpreters", (t) => {
  if (!requireRoot(t)) return;
  for (const py of interpreters().filter((i) => i.minor <= 12)) {
    const got = JSON.parse(execFileSync(py.path, [resolve(repoRoot, "scripts/gen-legacy-offsets.py")], { encoding: "utf8" })) as Record<string, number | null>;
    const l = chooseLayout({ major: 3, minor: py.minor, micro: 0, hex: 0 }, null);
    const m = `${py.label}`;
    assert.equal(got["runtime.interpreters_head"], l.runtime.interpretersHead, m);
    assert.equal(got["interp.threads_head"], l.interp.threadsHead, m);
    assert.equal(got["interp.modules"], l.interp.modules, m);
    assert.equal(got["tstate.thread_id"], l.tstate.threadId, m);
    assert.equal(got["tstate.native_thread_id"], l.tstate.nativeThreadId, m);
    assert.equal(got["code.filename"], l.code.filename, m);
    assert.equal(got["code.name"], l.code.name, m);
    assert.equal(got["code.linetable"], l.code.linetable, m);
    assert.equal(got["code.firstlineno"], l.code.firstlineno, m);
    assert.equal(got["unicode.ascii_data"], l.unicode.asciiData, m);
    assert.equal(got["unicode.compact_data"], l.unicode.compactData, m);
    assert.equal(got["task.coro"], l.asyncio?.taskCoro, m);
    assert.equal(got["task.name"], l.asyncio?.taskName, m);
    if (l.model === "frame-object") {
      assert.equal(got["frame.back"], l.frame.previous, m);
      assert.equal(got["frame.code"], l.frame.code, m);
      assert.equal(got["frame.localsplus"], l.frame.localsplus, m);
      assert.equal(got["code.varnames"], l.code.varnames, m);
      assert.equal(got["code.nlocals"], l.code.nlocals, m);
    }
    if (l.gil.kind === "runtime-current") assert.ok((got["runtime.tstate_hits"] as unknown as number[]).includes(l.gil.offset), m);
  }
});

test("3.13 TaskObj offsets (not in _Py_DebugOffsets) agree with the live interpreter", async (t) => {
  if (!requireRoot(t)) return;
  const py = interpreters().find((i) => i.minor === 13);
  assert.ok(py);
  const got = JSON.parse(execFileSync(py.path, [resolve(repoRoot, "scripts/gen-legacy-offsets.py")], { encoding: "utf8" })) as Record<string, number | null>;
  const target = await startTarget(py.path, fixture("stacks_target.py"), ["1"], { threads: 2 });
  try {
    const p = openPython(target.pid) as unknown as { layout: PythonLayout; close(): void }; // LivePython exposes its layout
    try {
      assert.equal(got["task.coro"], p.layout.asyncio?.taskCoro);
      assert.equal(got["task.name"], p.layout.asyncio?.taskName);
    } finally {
      p.close();
    }
  } finally {
    await target.stop();
  }
});

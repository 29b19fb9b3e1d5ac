// The sampler runs the reader inside a worker_thread: everything must work there (synchronous,
// no main-thread-only APIs), and the /proc/PID/mem backend must read the same stacks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { requireRoot } from "../helpers/root.js";
import { openPython } from "../../src/python/index.js";
import { ProcMemMemory } from "../../src/python/memory/proc-mem.js";
import { VmReadvMemory } from "../../src/python/memory/process-vm.js";
import { fixture } from "./fixtures.js";
import { buildRoot } from "../helpers/cli.js";
import { interpreters, startTarget } from "./interpreters.js";

test("openPython + sampleThread inside a worker_thread", async (t) => {
  if (!requireRoot(t)) return;
  const py = interpreters().find((i) => i.minor === 12);
  assert.ok(py);
  const target = await startTarget(py.path, fixture("stacks_target.py"), ["30"], { threads: 2 });
  try {
    const want = (target.first as { threads: { tid: number; frames: unknown[] }[] }).threads;
    const worker = want.find((w) => w.frames.length > 30);
    assert.ok(worker);
    const code = `
      const { parentPort, workerData } = require("node:worker_threads");
      import("${buildRoot}/src/python/index.js").then((m) => {
        const p = m.openPython(workerData.pid);
        let s = null;
        for (let i = 0; i < 200; i++) s = p.sampleThread(workerData.tid);
        p.close();
        parentPort.postMessage(s);
      });`;
    const w = new Worker(code, { eval: true, workerData: { pid: target.pid, tid: worker.tid } });
    const got = await new Promise<{ frames: unknown[]; status: string }>((res, rej) => {
      w.once("message", res);
      w.once("error", rej);
    });
    await w.terminate();
    assert.equal(got.status, "ok");
    assert.deepEqual(got.frames, worker.frames);
    // Same bytes through both live backends.
    const p = openPython(target.pid);
    const runtime = (p as unknown as { image: { runtime: bigint } }).image.runtime; // LivePython detail
    p.close();
    const a = new VmReadvMemory(target.pid), b = new ProcMemMemory(target.pid);
    try {
      assert.deepEqual(a.read(runtime, 256), b.read(runtime, 256));
      assert.throws(() => b.read(8n, 8), { name: "TornRead" });
      assert.throws(() => a.read(8n, 8), { name: "TornRead" });
    } finally {
      a.close();
      b.close();
    }
  } finally {
    await target.stop();
  }
});

test("a process that is gone reads as not-found", () => {
  const m = new VmReadvMemory(2 ** 22 + 4321);
  assert.throws(() => m.read(0x1000n, 8), { kind: "not-found" });
  assert.throws(() => new ProcMemMemory(2 ** 22 + 4321), { kind: "not-found" });
  assert.throws(() => openPython(2 ** 22 + 4321), { kind: "not-found" });
});

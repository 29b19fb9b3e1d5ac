// GilObserver's choice of the holder for a block, with a scripted reader (the real one is exercised
// by causes.root.test.ts against real interpreters).
import { test } from "node:test";
import assert from "node:assert/strict";
import { GilObserver } from "../../src/cause/gil.js";
import type { PythonProcess } from "../../src/python/index.js";

function reader(script: Array<{ tid: number; frames: string[] }>): PythonProcess {
  let i = 0;
  const fake = {
    threads: () => {
      const s = script[Math.min(i++, script.length - 1)]!; // the script is never empty
      return [{ tid: s.tid, name: `t${s.tid}`, holdsGil: true, frames: s.frames.map((f) => ({ function: f, file: "x.py", line: 1 })) }];
    },
    sourceLine: () => null,
    close: () => {},
  };
  return fake as unknown as PythonProcess; // only what GilObserver calls
}

test("holderDuring: the most seen holder, with the latest observation that has a stack", () => {
  const g = new GilObserver([202]);
  g.addReader(10, reader([
    { tid: 12, frames: ["hog"] },
    { tid: 12, frames: ["hog", "inner"] },
    { tid: 13, frames: ["other"] },
    { tid: 12, frames: [] }, // caught between frames
  ]));
  const waiting = [{ pid: 10, tid: 11, runStartNs: 1n, syscallNr: 202 }];
  for (let t = 0; t < 4; t++) g.observe(waiting, 100n + BigInt(t));
  const c = g.holderDuring(10, 11, 50n, 200n, 3);
  assert.equal(c?.holderTid, 12);
  assert.deepEqual(c?.holderFrames.map((f) => f.function), ["hog", "inner"]);
  assert.equal(g.holderDuring(10, 11, 300n, 400n, 3), null, "nothing seen in that window");
  g.observe([{ pid: 10, tid: 11, runStartNs: 1n, syscallNr: 0 }], 150n); // not in a futex: no observation
  assert.equal(g.holderDuring(10, 11, 150n, 150n, 1), null);
});

test("anyWaiting: a thread in a futex wait of a process that has a reader (what keeps the 5 ms pace)", () => {
  const g = new GilObserver([202]);
  g.addReader(10, reader([{ tid: 12, frames: ["hog"] }]));
  assert.equal(g.anyWaiting([]), false);
  assert.equal(g.anyWaiting([{ pid: 10, tid: 11, runStartNs: 1n, syscallNr: 0 }]), false, "in read(2), not a futex");
  assert.equal(g.anyWaiting([{ pid: 10, tid: 11, runStartNs: 1n, syscallNr: null }]), false, "no syscall in progress");
  assert.equal(g.anyWaiting([{ pid: 20, tid: 21, runStartNs: 1n, syscallNr: 202 }]), false, "a process with no reader");
  assert.equal(g.anyWaiting([{ pid: 20, tid: 21, runStartNs: 1n, syscallNr: 0 }, { pid: 10, tid: 11, runStartNs: 1n, syscallNr: 202 }]), true);
});

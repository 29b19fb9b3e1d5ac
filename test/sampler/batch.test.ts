import { test } from "node:test";
import assert from "node:assert/strict";
import { Batch } from "../../src/sampler/batch.js";

const base = { pid: 1, tid: 2, phaseStartNs: 0n, periodNs: 1n, task: null, threadName: null };

test("a batch interns identical stacks once and marks torn samples with -1", () => {
  const b = new Batch();
  const frames = [{ function: "f", file: "/a.py", line: 3 }];
  b.add({ ...base, captureNs: 10n }, frames);
  b.add({ ...base, captureNs: 11n }, [{ function: "f", file: "/a.py", line: 3 }]);
  b.add({ ...base, captureNs: 12n }, null);
  b.add({ ...base, captureNs: 13n }, [{ function: "f", file: "/a.py", line: 4 }]);
  assert.equal(b.sinceNs, 10n);
  const out = b.take();
  assert.equal(out.stacks.length, 2);
  assert.deepEqual(out.samples.map((s) => s.stack), [0, 0, -1, 1]);
  assert.notEqual(out.stacks[0], frames); // a copy: nothing of the reader's objects crosses over
  assert.equal(b.sinceNs, undefined);
  assert.deepEqual(b.take(), { stacks: [], samples: [] });
});

test("the reader's own frame objects are interned by identity, and still by content past the remembered ones", () => {
  const b = new Batch();
  const f = (fn: string) => Object.freeze({ function: fn, file: "/a.py", line: 1 });
  const stacks = Array.from({ length: 12 }, (_, i) => [f(`s${i}`), f("main")]); // more than a batch remembers by identity
  for (const st of stacks) b.add({ ...base, captureNs: 1n }, st);
  for (const st of stacks) b.add({ ...base, captureNs: 2n }, [...st]); // the same frame objects, a new array each time
  for (const st of stacks) b.add({ ...base, captureNs: 3n }, st.map((x) => ({ ...x }))); // equal frames, other objects
  const out = b.take();
  assert.equal(out.stacks.length, 12);
  const idx = out.samples.map((s) => s.stack);
  assert.deepEqual(idx.slice(12, 24), idx.slice(0, 12));
  assert.deepEqual(idx.slice(24, 36), idx.slice(0, 12));
  assert.deepEqual(out.stacks[idx[5] ?? -1]?.[0], { function: "s5", file: "/a.py", line: 1 });
});

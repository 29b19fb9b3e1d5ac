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

import { test } from "node:test";
import assert from "node:assert/strict";
import { idleSince, parseSchedstat, parseStatState, ThreadActivity } from "../../src/sampler/activity.js";

test("schedstat: runtime and times switched in", () => {
  assert.deepEqual(parseSchedstat("50962710 12472417 46\n"), { runtimeNs: 50962710n, switchesIn: 46n });
  assert.equal(parseSchedstat(""), null);
});

test("stat: the state follows the last ')' even when the comm has parentheses and spaces", () => {
  assert.equal(parseStatState("5279 (cat) R 5276 5276 3441 0"), "R");
  assert.equal(parseStatState("812 (we) ird) S 1 812"), "S");
  assert.equal(parseStatState("garbage"), null);
});

test("a thread is idle since an observation only if it sleeps now and both counters are unchanged", () => {
  const a = { running: false, runtimeNs: 100n, switchesIn: 5n };
  assert.equal(idleSince(a, { ...a }), true);
  assert.equal(idleSince(a, { ...a, running: true }), false); // running: the runtime may be stale
  assert.equal(idleSince(a, { ...a, runtimeNs: 101n }), false);
  assert.equal(idleSince(a, { ...a, switchesIn: 6n }), false);
});

test("ThreadActivity reads this process's own thread; a missing thread gives null", () => {
  const act = ThreadActivity.open(process.pid, process.pid);
  assert.ok(act !== null);
  const a = act.read();
  assert.ok(a !== null && a.switchesIn > 0n);
  assert.equal(a.running, true); // we are reading it from itself
  act.close();
  act.close();
  assert.equal(ThreadActivity.open(process.pid, 2 ** 30), null);
});

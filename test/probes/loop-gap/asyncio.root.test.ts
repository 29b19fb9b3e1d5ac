import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { requireRoot } from "../../helpers/root.js";
import { pythonFixture } from "./fixture.js";
import { assertBlocksReported } from "./match.js";
import { runSession } from "./run.js";

const THRESHOLD = 30_000_000n;
// "socket" waits in poll() on one fd inside the callback: it must not end the run phase.
const BLOCKS = [{ ms: 60, how: "sleep" }, { ms: 45, how: "busy" }, { ms: 5, how: "sleep" }, { ms: 50, how: "socket" }, { ms: 120, how: "sleep" }];
// pyenv interpreters on the CI image; 3.8 sleeps with select(), 3.11+ with clock_nanosleep.
const PYTHONS = [...["3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"].map((v) => `/root/.pyenv/versions/${v}/bin/python3`), "/usr/bin/python3.11"];

for (const python of PYTHONS) {
  test(`asyncio on ${python}: every block ≥ threshold is reported once, exactly`, async (t) => {
    if (!requireRoot(t)) return;
    assert.ok(existsSync(python), `${python} is on the CI image`);
    const s = await runSession([pythonFixture(python, { blocks: BLOCKS })], { thresholdNs: THRESHOLD, stats: false });
    const truth = s.truth[0]!;
    assert.equal(truth.length, BLOCKS.length);
    assertBlocksReported(s.events, truth.filter((b) => b.endNs - b.startNs >= THRESHOLD));
    assert.ok(s.events.every((e) => e.pid === s.ready[0]!.pid && e.endNs - e.startNs >= THRESHOLD));
    assert.equal(s.dropped, 0n);
  });
}

test("a healthy busy loop gives no event at the threshold", async (t) => {
  if (!requireRoot(t)) return;
  const python = "/root/.pyenv/versions/3.12.1/bin/python3";
  const s = await runSession([pythonFixture(python, { healthy: 300 })], { thresholdNs: 50_000_000n, stats: true });
  assert.deepEqual(s.events, []);
  assert.ok(s.stats.count >= 300n, `stats saw ${s.stats.count} gaps`);
  assert.equal(s.dropped, 0n);
});

for (const selector of ["poll", "select"] as const) {
  test(`a selector loop on ${selector}() is a loop too`, async (t) => {
    if (!requireRoot(t)) return;
    const python = "/root/.pyenv/versions/3.12.1/bin/python3";
    const blocks = [{ ms: 50, how: "busy" }, { ms: 70, how: "sleep" }];
    const s = await runSession([pythonFixture(python, { selector, blocks })], { thresholdNs: THRESHOLD, stats: false });
    assert.equal(s.truth[0]!.length, blocks.length);
    assertBlocksReported(s.events, s.truth[0]!);
  });
}

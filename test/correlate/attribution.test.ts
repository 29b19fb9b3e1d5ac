import { test } from "node:test";
import assert from "node:assert/strict";
import { StackAttribution } from "../../src/correlate/index.js";

test("without the probe's map, sampling does not start: every block says why, detection goes on", async () => {
  const notices: string[] = [];
  const a = await StackAttribution.start({ pids: [process.pid], thresholdNs: 10_000_000n, onNotice: (m) => notices.push(m) });
  try {
    const r = await a.attribute({ pid: process.pid, tid: process.pid, startNs: 1n, endNs: 2n });
    assert.equal(r.stacks, null);
    assert.equal(r.status.kind, "unavailable");
    assert.match(r.status.kind === "unavailable" ? r.status.reason : "", /start the sampler: find the lg_threads map/);
    assert.deepEqual(notices.length, 1);
    assert.match(notices[0] ?? "", /^stacks unavailable: start the sampler/);
    a.addPid(1); // a no-op, not a crash
    assert.equal(a.stats().samplerThread.tid, null);
  } finally {
    await a.close();
    await a.close();
  }
});

test("bad options are a usage error", async () => {
  await assert.rejects(StackAttribution.start({ pids: [1], thresholdNs: 1n, intervalNs: 0n }), /interval > 0/);
});

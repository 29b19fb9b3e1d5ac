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

test("whyNoStack: a stackless block of a readable process says why, from what is certain", async () => {
  const { whyNoStack } = await import("../../src/correlate/attribution.js");
  const { scheduleFor } = await import("../../src/sampler/index.js");
  const MS = 1_000_000n;
  const schedule = scheduleFor(100n * MS); // gate 25 ms, interval 1 ms
  const base = { stacks: [], task: null, threadName: null, samples: 0, status: { kind: "ok" as const }, torn: 0, complete: true };
  const block = (startMs: number, endMs: number) => ({ pid: 1, tid: 1, startNs: BigInt(startMs) * MS, endNs: BigInt(endMs) * MS });
  const since = 1000n * MS;
  assert.match(whyNoStack(block(1100, 1300), { ...base, samples: 3, torn: 3 }, schedule, since), /all 3 samples were torn/);
  assert.match(whyNoStack(block(1100, 1300), { ...base, samples: 1, torn: 1 }, schedule, since), /the only sample was torn/);
  assert.equal(whyNoStack(block(800, 1000), base, schedule, since), "the block ended before the stack sampler was running");
  assert.equal(whyNoStack(block(900, 1001), base, schedule, since), "the block ended before the stack sampler was running", "within one interval of its start");
  // -t 1: gate 0.25 ms but a 1 ms tick: the first read may come 1 ms in, so a 1.1 ms block can have none
  const oneMs = scheduleFor(MS, { gateNs: 250_000n });
  const short = { pid: 1, tid: 1, startNs: 2000n * MS, endNs: 2000n * MS + 1_100_000n };
  assert.equal(whyNoStack(short, base, oneMs, since), "too short to be sure of a sample: the first stack read comes up to 1.00 ms into a callback, then every 1.00 ms");
  assert.equal(whyNoStack(block(2000, 2150), base, schedule, since), "no sample landed in it (the first stack read comes up to 25 ms into a callback, then every 1.00 ms)");
});

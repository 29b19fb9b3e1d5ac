import { test } from "node:test";
import assert from "node:assert/strict";
import { requireRoot } from "../../helpers/root.js";
import { LoopGapProbe } from "../../../src/probes/loop-gap/index.js";
import { pageSize } from "../../../src/bpf/index.js";
import { pythonFixture } from "./fixture.js";
import { collect } from "./match.js";

test("a full ring buffer counts drops in the kernel: events + dropped = every gap", async (t) => {
  if (!requireRoot(t)) return;
  const fx = pythonFixture("/root/.pyenv/versions/3.12.1/bin/python3", { healthy: 400 });
  try {
    const ready = await fx.ready;
    // One page holds 4096 / 32 = 128 records; threshold 0 makes every gap an event.
    const probe = await LoopGapProbe.open({ pids: [ready.pid], thresholdNs: 0n, stats: true, ringBufferBytes: pageSize() });
    try {
      const events = collect(probe.events());
      fx.go();
      // Keep this thread busy so the consumer cannot drain while the fixture makes ~800 gaps.
      const until = Date.now() + 1500;
      while (Date.now() < until); // (exit events cannot be seen while this thread spins)
      await fx.done;
      const stats = probe.readStats();
      const dropped = probe.dropped();
      probe.endEvents(); // a session's end: the stream ends, the maps stay readable until close()
      const got = await events;
      assert.ok(dropped > 0n, "the small buffer overflowed");
      assert.equal(BigInt(got.length) + dropped, stats.count);
      // (the CLI's summary reads the count after the stream ended; a closed probe answered 0)
      assert.equal(probe.dropped(), dropped, "drops still readable after endEvents()");
    } finally {
      probe.close();
      await probe.whenClosed();
    }
  } finally {
    fx.kill();
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { requireRoot } from "../../helpers/root.js";
import { LoopGapProbe } from "../../../src/probes/loop-gap/index.js";
import { pythonFixture } from "./fixture.js";
import { assertBlocksReported, collect } from "./match.js";

const PYTHONS = ["/root/.pyenv/versions/3.12.1/bin/python3", "/root/.pyenv/versions/3.13.0/bin/python3", "/root/.pyenv/versions/3.8.18/bin/python3"];

for (const python of PYTHONS) {
  test(`asyncio on ${python}: every block ≥ threshold is reported once, exactly`, async (t) => {
    if (!requireRoot(t)) return;
    const fx = pythonFixture(python, { blocks: [{ ms: 60, how: "sleep" }, { ms: 45, how: "busy" }, { ms: 5, how: "sleep" }, { ms: 120, how: "sleep" }] });
    try {
      const ready = await fx.ready;
      const probe = await LoopGapProbe.open({ pids: [ready.pid], thresholdNs: 30_000_000n, stats: false });
      const events = collect(probe.events());
      fx.go();
      const truth = await fx.done;
      probe.close();
      const got = await events;
      await probe.whenClosed();
      assertBlocksReported(got, truth.filter((b) => b.endNs - b.startNs >= 30_000_000n));
      assert.equal(probe.dropped(), 0n);
      assert.ok(got.every((e) => e.pid === ready.pid && e.endNs - e.startNs >= 30_000_000n));
    } finally {
      fx.kill();
    }
  });
}

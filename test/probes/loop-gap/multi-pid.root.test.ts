import { test } from "node:test";
import assert from "node:assert/strict";
import { requireRoot } from "../../helpers/root.js";
import { LoopGapProbe, type GapEvent } from "../../../src/probes/loop-gap/index.js";
import { nodeFixture, pythonFixture } from "./fixture.js";
import { assertBlocksReported, collect } from "./match.js";
import { runSession } from "./run.js";

const PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3";

test("several PIDs at once: each block is reported with its own pid", async (t) => {
  if (!requireRoot(t)) return;
  const s = await runSession([pythonFixture(PYTHON, { blocks: [{ ms: 50, how: "busy" }] }), nodeFixture({ blocks: [{ ms: 60, how: "busy" }] })], {
    thresholdNs: 30_000_000n,
    stats: false,
  });
  for (let i = 0; i < 2; i++) {
    const pid = s.ready[i]!.pid;
    assertBlocksReported(s.events.filter((e) => e.pid === pid), s.truth[i]!);
  }
});

test("addPid and removePid change the targets at run time; untargeted processes are invisible", async (t) => {
  if (!requireRoot(t)) return;
  const a = pythonFixture(PYTHON, { blocks: [{ ms: 50, how: "busy" }] });
  const b = pythonFixture(PYTHON, { blocks: [{ ms: 50, how: "busy" }] });
  try {
    const [ra, rb] = await Promise.all([a.ready, b.ready]);
    const probe = await LoopGapProbe.open({ pids: [], thresholdNs: 30_000_000n, stats: false });
    let events: GapEvent[] = [];
    try {
      const collected = collect(probe.events());
      probe.addPid(ra.pid);
      probe.addPid(rb.pid);
      probe.removePid(rb.pid);
      a.go();
      b.go();
      const [ta] = await Promise.all([a.done, b.done]);
      probe.close();
      events = await collected;
      assertBlocksReported(events, ta);
    } finally {
      probe.close();
      await probe.whenClosed();
    }
    assert.ok(events.every((e) => e.pid === ra.pid), "no event from the removed pid");
  } finally {
    a.kill();
    b.kill();
  }
});

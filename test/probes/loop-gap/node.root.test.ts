import { test } from "node:test";
import { requireRoot } from "../../helpers/root.js";
import { nodeFixture } from "./fixture.js";
import { assertBlocksReported } from "./match.js";
import { runSession } from "./run.js";

test("a Node.js loop blocked by synchronous work (busy, Atomics.wait) is reported exactly", async (t) => {
  if (!requireRoot(t)) return;
  const s = await runSession([nodeFixture({ blocks: [{ ms: 60, how: "busy" }, { ms: 80, how: "atomics" }] })], { thresholdNs: 30_000_000n, stats: false });
  assertBlocksReported(s.events.filter((e) => e.tid === s.ready[0]!.tid), s.truth[0]!);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { requireRoot } from "../../helpers/root.js";
import { pythonFixture } from "./fixture.js";
import { runSession } from "./run.js";
import { BUCKETS, bucketOf } from "../../../src/probes/loop-gap/histogram.js";

function nearestRank(sorted: bigint[], q: number): bigint {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

test("--stats: the in-kernel histogram counts every gap; percentiles within 1% of exact", async (t) => {
  if (!requireRoot(t)) return;
  // Threshold 0 makes every gap an event too: the events are the exact values the histogram saw.
  const s = await runSession([pythonFixture("/root/.pyenv/versions/3.12.1/bin/python3", {
    blocks: [{ ms: 3, how: "busy" }, { ms: 12, how: "busy" }, { ms: 25, how: "sleep" }, { ms: 40, how: "busy" }],
    healthy: 200,
  })], { thresholdNs: 0n, stats: true, ringBufferBytes: 1 << 20 });
  assert.equal(s.dropped, 0n);
  const gaps = s.events.map((e) => e.endNs - e.startNs).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  assert.ok(gaps.length > 200);
  assert.equal(s.stats.count, BigInt(gaps.length));
  assert.equal(s.stats.sumNs, gaps.reduce((a, b) => a + b, 0n));
  assert.equal(s.stats.minNs, gaps[0]);
  assert.equal(s.stats.maxNs, gaps[gaps.length - 1]);
  // The kernel's bucketing (assembled in program.ts) is exactly histogram.ts bucketOf.
  const expected = new BigUint64Array(BUCKETS);
  for (const g of gaps) expected[bucketOf(g)]! += 1n;
  assert.deepEqual(s.stats.buckets, expected);
  for (const q of [0.5, 0.9, 0.99, 0.999, 1]) {
    const exact = nearestRank(gaps, q);
    const got = s.stats.quantileNs(q);
    const err = Math.abs(Number(got - exact)) / Number(exact);
    assert.ok(err < 0.01, `p${q * 100}: histogram ${got} ns, exact ${exact} ns (${(err * 100).toFixed(2)}%)`);
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { JOIN_TOLERANCE_NS, KEEP_PER_THREAD, RecordStore, joins } from "../../src/cause/join.js";
import type { RunRecord } from "../../src/probes/run-cause/layout.js";

const rec = (tid: number, startNs: bigint, endNs: bigint, pid = 10): RunRecord => ({
  pid, tid, startNs, endNs, onNs: 0n, offNs: 0n, runqNs: 0n, futexNs: 0n, longestOffNs: 0n, longestOffNr: null, longestOffStackid: null, slots: [], other: { count: 0, ns: 0n },
});

test("join rule: same pid and tid, start and end each within the tolerance", () => {
  const g = { pid: 10, tid: 11, startNs: 1_000_000n, endNs: 9_000_000n };
  assert.ok(joins(rec(11, 1_000_300n, 8_999_900n), g));
  assert.ok(joins(rec(11, g.startNs + JOIN_TOLERANCE_NS, g.endNs - JOIN_TOLERANCE_NS), g));
  assert.ok(!joins(rec(11, g.startNs + JOIN_TOLERANCE_NS + 1n, g.endNs), g));
  assert.ok(!joins(rec(12, g.startNs, g.endNs), g));
  assert.ok(!joins(rec(11, g.startNs, g.endNs, 99), g));
});

test("store: the closest record wins and is removed; records that ended before the gap are pruned", () => {
  const s = new RecordStore();
  s.add(rec(11, 100n, 200n));
  s.add(rec(11, 1_000_020n, 9_000_020n));
  s.add(rec(11, 1_000_001n, 9_000_001n));
  s.add(rec(11, 20_000_000n, 30_000_000n));
  const r = s.take({ pid: 10, tid: 11, startNs: 1_000_000n, endNs: 9_000_000n });
  assert.equal(r?.startNs, 1_000_001n);
  assert.equal(s.size, 2, "the record of an earlier, unclaimed gap is gone; the runner-up and the later one stay");
  assert.equal(s.take({ pid: 10, tid: 11, startNs: 1_000_000n, endNs: 9_000_000n })?.startNs, 1_000_020n);
  assert.equal(s.take({ pid: 10, tid: 11, startNs: 1_000_000n, endNs: 9_000_000n }), undefined);
});

test("store: bounded per thread", () => {
  const s = new RecordStore();
  for (let i = 0; i < KEEP_PER_THREAD + 10; i++) s.add(rec(1, BigInt(i), BigInt(i)));
  assert.equal(s.size, KEEP_PER_THREAD);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { ACCT, COMPANION, SLOT, SLOTS, STATE_OFF, STATE_ON, STATE_RUNQ, decodeCompanion } from "../../../src/probes/run-cause/layout.js";
import { MAX_COMPANION_BYTES } from "../../../src/probes/loop-gap/config.js";

const GAP = { pid: 812, tid: 813, startNs: 1_000n, endNs: 303_001_000n };

/** A block accounting GAP: 1 ms on, 300 ms off, 0.999 ms run queue so far, then `state` since 302 ms. */
function block(state = STATE_ON): Buffer {
  const b = Buffer.alloc(COMPANION.size);
  b.writeBigUInt64LE(GAP.startNs, COMPANION.phase);
  b.writeBigUInt64LE(BigInt(state), COMPANION.state);
  b.writeBigUInt64LE(GAP.startNs + 302_000_000n, COMPANION.lastTs);
  const a = COMPANION.acct;
  b.writeBigUInt64LE(1_000_000n, a + ACCT.on);
  b.writeBigUInt64LE(300_001_000n, a + ACCT.off);
  b.writeBigUInt64LE(999_000n, a + ACCT.runq);
  b.writeBigUInt64LE(5n, a + ACCT.futex);
  b.writeBigUInt64LE(300_000_000n, a + ACCT.longestOff);
  b.writeBigInt64LE(230n, a + ACCT.longestNr);
  b.writeBigInt64LE(-17n, a + ACCT.longestStackid); // -EEXIST: not captured
  b.writeBigUInt64LE(3n, a + ACCT.otherCount);
  b.writeBigUInt64LE(9n, a + ACCT.otherNs);
  const slot = (i: number, nr: number, count: number, ns: bigint) => {
    const at = a + ACCT.slots + i * SLOT.size;
    b.writeBigUInt64LE(BigInt(nr + 1), at + SLOT.nrPlus1);
    b.writeBigUInt64LE(BigInt(count), at + SLOT.count);
    b.writeBigUInt64LE(ns, at + SLOT.ns);
  };
  slot(0, 0, 2, 10n); // read: nr 0 must survive the +1 encoding
  slot(1, 230, 1, 300_500_000n);
  return b;
}

test("layout: 8-byte aligned and fits loop-gap's companion room", () => {
  assert.equal(ACCT.size, 72 + SLOTS * 24);
  assert.equal(COMPANION.acct % 8, 0);
  assert.equal(COMPANION.size % 8, 0);
  assert.ok(COMPANION.size <= MAX_COMPANION_BYTES);
});

test("decodeCompanion: fields, syscall slots (nr 0 kept, free slots skipped), negative stack id is none", () => {
  const r = decodeCompanion(block(), GAP);
  assert.equal(r.pid, 812);
  assert.equal(r.tid, 813);
  assert.equal(r.startNs, GAP.startNs);
  assert.equal(r.endNs, GAP.endNs);
  assert.equal(r.onNs, 1_000_000n + 1_000_000n, "the last period (302 → 303 ms) goes to the state it was in: on CPU");
  assert.equal(r.offNs, 300_001_000n);
  assert.equal(r.runqNs, 999_000n);
  assert.equal(r.onNs + r.offNs + r.runqNs, GAP.endNs - GAP.startNs);
  assert.equal(r.futexNs, 5n);
  assert.equal(r.longestOffNs, 300_000_000n);
  assert.equal(r.longestOffNr, 230);
  assert.equal(r.longestOffStackid, null);
  assert.deepEqual(r.slots, [{ nr: 0, count: 2, ns: 10n }, { nr: 230, count: 1, ns: 300_500_000n }]);
  assert.deepEqual(r.other, { count: 3, ns: 9n });
});

test("decodeCompanion: the last period goes to off CPU or the run queue when the thread was there", () => {
  assert.equal(decodeCompanion(block(STATE_OFF), GAP).offNs, 300_001_000n + 1_000_000n);
  assert.equal(decodeCompanion(block(STATE_RUNQ), GAP).runqNs, 999_000n + 1_000_000n);
});

test("decodeCompanion: a block of another phase means no event during the gap: all of it on CPU, no syscall", () => {
  const b = block();
  b.writeBigUInt64LE(GAP.startNs - 5n, COMPANION.phase);
  const r = decodeCompanion(b, GAP);
  assert.equal(r.onNs, GAP.endNs - GAP.startNs);
  assert.equal(r.offNs + r.runqNs + r.futexNs, 0n);
  assert.deepEqual(r.slots, []);
  assert.equal(r.longestOffNr, null);
});

test("decodeCompanion: no syscall in progress at the longest wait is null; short blocks are refused", () => {
  const b = block();
  b.writeBigInt64LE(-1n, COMPANION.acct + ACCT.longestNr);
  b.writeBigInt64LE(42n, COMPANION.acct + ACCT.longestStackid);
  const r = decodeCompanion(b, GAP);
  assert.equal(r.longestOffNr, null);
  assert.equal(r.longestOffStackid, 42);
  assert.throws(() => decodeCompanion(b.subarray(0, COMPANION.size - 1), GAP), RangeError);
});

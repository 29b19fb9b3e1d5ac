import { test } from "node:test";
import assert from "node:assert/strict";
import { ACCT, RECORD, SLOT, SLOTS, THREAD, decodeRecord } from "../../../src/probes/run-cause/layout.js";

function record(): Buffer {
  const b = Buffer.alloc(RECORD.size);
  b.writeUInt32LE(812, RECORD.tgid);
  b.writeUInt32LE(813, RECORD.tid);
  b.writeBigUInt64LE(1_000n, RECORD.start);
  b.writeBigUInt64LE(303_000_000n, RECORD.end);
  const a = RECORD.acct;
  b.writeBigUInt64LE(1_000_000n, a + ACCT.on);
  b.writeBigUInt64LE(301_000_000n, a + ACCT.off);
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

test("layouts: 8-byte aligned, record and thread share the accounting block", () => {
  assert.equal(ACCT.size, 72 + SLOTS * 24);
  assert.equal(RECORD.acct % 8, 0);
  assert.equal(THREAD.acct % 8, 0);
  assert.equal(RECORD.size % 8, 0);
  assert.equal(THREAD.size % 8, 0);
  assert.ok(THREAD.size <= 512, "a new thread's zero value fits the BPF stack if ever needed");
});

test("decodeRecord: fields, syscall slots (nr 0 kept, free slots skipped), negative stack id is none", () => {
  const r = decodeRecord(record());
  assert.equal(r.pid, 812);
  assert.equal(r.tid, 813);
  assert.equal(r.startNs, 1_000n);
  assert.equal(r.endNs, 303_000_000n);
  assert.equal(r.onNs, 1_000_000n);
  assert.equal(r.offNs, 301_000_000n);
  assert.equal(r.runqNs, 999_000n);
  assert.equal(r.futexNs, 5n);
  assert.equal(r.longestOffNs, 300_000_000n);
  assert.equal(r.longestOffNr, 230);
  assert.equal(r.longestOffStackid, null);
  assert.deepEqual(r.slots, [{ nr: 0, count: 2, ns: 10n }, { nr: 230, count: 1, ns: 300_500_000n }]);
  assert.deepEqual(r.other, { count: 3, ns: 9n });
});

test("decodeRecord: no syscall in progress at the longest wait is null; short records are refused", () => {
  const b = record();
  b.writeBigInt64LE(-1n, RECORD.acct + ACCT.longestNr);
  b.writeBigInt64LE(42n, RECORD.acct + ACCT.longestStackid);
  const r = decodeRecord(b);
  assert.equal(r.longestOffNr, null);
  assert.equal(r.longestOffStackid, 42);
  assert.throws(() => decodeRecord(b.subarray(0, RECORD.size - 1)), RangeError);
});

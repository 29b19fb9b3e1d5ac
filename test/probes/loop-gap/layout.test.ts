import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeEvent, decodeThread, mergeTotals, EVENT, THREAD, TOTALS } from "../../../src/probes/loop-gap/layout.js";

test("decodes a ring buffer event", () => {
  const b = Buffer.alloc(EVENT.size);
  b.writeUInt32LE(4242, 0);
  b.writeUInt32LE(4243, 4);
  b.writeBigUInt64LE(1_000_000_000n, 8);
  b.writeBigUInt64LE(1_250_000_000n, 16);
  assert.deepEqual(decodeEvent(b), { pid: 4242, tid: 4243, startNs: 1_000_000_000n, endNs: 1_250_000_000n });
  assert.throws(() => decodeEvent(Buffer.alloc(8)), RangeError);
});

test("decodes a thread state", () => {
  const b = Buffer.alloc(THREAD.size);
  b.writeBigUInt64LE(77n, 0);
  b.writeUInt32LE(9, 8);
  assert.deepEqual(decodeThread(b), { runStartNs: 77n, tgid: 9, waitsInEpoll: false });
  b.writeUInt32LE(1, 12);
  assert.equal(decodeThread(b).waitsInEpoll, true);
});

test("merges per-CPU totals; an idle CPU does not pull min to 0", () => {
  const cpu = (count: bigint, sum: bigint, min: bigint, max: bigint) => {
    const b = Buffer.alloc(TOTALS.size);
    b.writeBigUInt64LE(count, 0);
    b.writeBigUInt64LE(sum, 8);
    b.writeBigUInt64LE(min, 16);
    b.writeBigUInt64LE(max, 24);
    return b;
  };
  assert.deepEqual(mergeTotals([cpu(2n, 30n, 10n, 20n), cpu(0n, 0n, 0n, 0n), cpu(1n, 5n, 5n, 5n)]), { count: 3n, sumNs: 35n, minNs: 5n, maxNs: 20n });
  assert.deepEqual(mergeTotals([]), { count: 0n, sumNs: 0n, minNs: 0n, maxNs: 0n });
});

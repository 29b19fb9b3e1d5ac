// The ring buffer consumer over a fake, double-mapped buffer laid out like the kernel's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { drainRecords, RINGBUF_BUSY_BIT, RINGBUF_DISCARD_BIT, type RingViews } from "../../src/bpf/ringbuf-records.js";

const SIZE = 64;
const PAGE = 16; // the data offset inside the fake "producer" mapping

function fakeRing(): { v: RingViews; write(pos: number, len: number, body: number[]): void; produce(to: number): void } {
  const consumer = new BigUint64Array(1);
  const prod = new ArrayBuffer(PAGE + 2 * SIZE);
  const producer = new BigUint64Array(prod, 0, 1);
  const bytes = new Uint8Array(prod);
  const v: RingViews = { consumer, producer, data: prod, dataOffset: PAGE, size: SIZE };
  return {
    v,
    // writes into both copies, as the kernel's double mapping shows them
    write(pos, len, body) {
      const rec = new Uint8Array(8 + body.length);
      new DataView(rec.buffer).setUint32(0, len >>> 0, true);
      rec.set(body, 8);
      for (let i = 0; i < rec.length; i++) {
        const at = (pos + i) % SIZE;
        bytes[PAGE + at] = rec[i]!;
        bytes[PAGE + SIZE + at] = rec[i]!;
      }
    },
    produce(to) {
      producer[0] = BigInt(to);
    },
  };
}

test("delivers committed records in order and advances consumer_pos by rounded lengths", () => {
  const r = fakeRing();
  r.write(0, 3, [1, 2, 3]); // takes 16
  r.write(16, 8, [4, 4, 4, 4, 5, 5, 5, 5]); // takes 16
  r.produce(32);
  const got: number[][] = [];
  assert.equal(drainRecords(r.v, (rec) => got.push([...rec])), 2);
  assert.deepEqual(got, [[1, 2, 3], [4, 4, 4, 4, 5, 5, 5, 5]]);
  assert.equal(r.v.consumer[0], 32n);
});

test("stops at a busy record and resumes after it is committed", () => {
  const r = fakeRing();
  r.write(0, 4, [9, 9, 9, 9]);
  r.write(16, (4 | RINGBUF_BUSY_BIT) >>> 0, [7, 7, 7, 7]);
  r.produce(32);
  const got: number[][] = [];
  assert.equal(drainRecords(r.v, (rec) => got.push([...rec])), 1);
  assert.equal(r.v.consumer[0], 16n);
  r.write(16, 4, [7, 7, 7, 7]);
  assert.equal(drainRecords(r.v, (rec) => got.push([...rec])), 1);
  assert.deepEqual(got, [[9, 9, 9, 9], [7, 7, 7, 7]]);
});

test("skips discarded records but consumes their space", () => {
  const r = fakeRing();
  r.write(0, (4 | RINGBUF_DISCARD_BIT) >>> 0, [1, 1, 1, 1]);
  r.write(16, 1, [2]);
  r.produce(32);
  const got: number[][] = [];
  assert.equal(drainRecords(r.v, (rec) => got.push([...rec])), 1);
  assert.deepEqual(got, [[2]]);
  assert.equal(r.v.consumer[0], 32n);
});

test("a record that wraps the end is read contiguously from the second mapping", () => {
  const r = fakeRing();
  r.v.consumer[0] = 48n; // positions grow forever; the mask wraps them
  r.write(48, 16, [...Array(16).keys()]); // 48..72 wraps at 64
  r.produce(72);
  const got: number[][] = [];
  drainRecords(r.v, (rec) => got.push([...rec]));
  assert.deepEqual(got, [[...Array(16).keys()]]);
  assert.equal(r.v.consumer[0], 72n);
});

test("records are copies: they survive the producer reusing the space", () => {
  const r = fakeRing();
  r.write(0, 2, [5, 6]);
  r.produce(16);
  let kept: Buffer | undefined;
  drainRecords(r.v, (rec) => (kept = rec));
  r.write(0, 2, [0, 0]);
  assert.deepEqual([...(kept ?? [])], [5, 6]);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { BUCKETS, bucketBounds, bucketOf, msb, quantileFromHistogram } from "../../../src/probes/loop-gap/histogram.js";

test("buckets are exact below 128 ns and contiguous above", () => {
  for (let v = 0n; v < 128n; v++) assert.equal(bucketOf(v), Number(v));
  assert.equal(bucketOf(128n), 128);
  assert.equal(bucketOf(255n), 255);
  assert.equal(bucketOf(256n), 256);
  assert.equal(bucketOf(257n), 256); // width 2 from 256
  assert.equal(bucketOf(258n), 257);
  for (let i = 0; i < BUCKETS - 1; i++) {
    const [lo, hi] = bucketBounds(i);
    assert.equal(bucketBounds(i + 1)[0], hi, `bucket ${i + 1} starts where ${i} ends`);
    assert.equal(bucketOf(lo), i);
    assert.equal(bucketOf(hi - 1n), i);
  }
});

test("every bucket is at most 1/128 of its low bound wide", () => {
  for (let i = 128; i < BUCKETS; i++) {
    const [lo, hi] = bucketBounds(i);
    assert.ok((hi - lo) * 128n <= lo, `bucket ${i}`);
  }
});

test("huge values share the top bucket", () => {
  assert.equal(bucketOf(1n << 50n), BUCKETS - 1);
  assert.equal(bucketOf((1n << 43n) - 1n), BUCKETS - 1);
  assert.equal(msb(1n), 0);
  assert.equal(msb(1n << 42n), 42);
});

function exactQuantile(sorted: bigint[], q: number): bigint {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

test("quantiles are within 1% of exact nearest-rank quantiles", () => {
  // A deterministic spread from 50 µs to 2 s (a healthy loop with a few blocks).
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const values: bigint[] = [];
  for (let i = 0; i < 20000; i++) values.push(BigInt(Math.floor(50_000 * Math.exp(rnd() * Math.log(40_000)))));
  const hist = new Array<bigint>(BUCKETS).fill(0n);
  for (const v of values) hist[bucketOf(v)]! += 1n;
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const min = sorted[0]!, max = sorted[sorted.length - 1]!;
  for (const q of [0, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 1]) {
    const exact = exactQuantile(sorted, q);
    const got = quantileFromHistogram(hist, q, min, max);
    const err = Math.abs(Number(got - exact)) / Number(exact);
    assert.ok(err < 0.01, `q=${q}: got ${got}, exact ${exact}, error ${(err * 100).toFixed(3)}%`);
  }
});

test("quantile edge cases", () => {
  assert.equal(quantileFromHistogram(new Array<bigint>(BUCKETS).fill(0n), 0.5), 0n);
  const h = new Array<bigint>(BUCKETS).fill(0n);
  h[bucketOf(1_000_000n)] = 1n;
  assert.equal(quantileFromHistogram(h, 0.5, 1_000_000n, 1_000_000n), 1_000_000n); // clamped to min/max
  assert.throws(() => quantileFromHistogram(h, 1.5), RangeError);
});

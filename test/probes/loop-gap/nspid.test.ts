import { test } from "node:test";
import assert from "node:assert/strict";
import { kernelDev, parseNsPid } from "../../../src/probes/loop-gap/nspid.js";
import { THREAD_BUCKETS, THREAD_BUCKET_BOUNDS_NS, THREAD_BUCKET_BOUNDS_S, threadBucketOf } from "../../../src/probes/loop-gap/layout.js";

/** glibc's makedev (sysmacros.h), the encoding of stat's st_dev. */
function makedev(major: bigint, minor: bigint): bigint {
  return ((major & 0xfffn) << 8n) | ((major & ~0xfffn) << 32n) | (minor & 0xffn) | ((minor & ~0xffn) << 12n);
}

test("kernelDev: stat's st_dev → MKDEV (major << 20 | minor); equal only for major 0, minor < 256", () => {
  assert.equal(kernelDev(makedev(0n, 4n)), 4n);
  assert.equal(kernelDev(makedev(0n, 255n)), 255n);
  assert.equal(kernelDev(makedev(0n, 300n)), 300n);
  assert.notEqual(makedev(0n, 300n), 300n);
  assert.equal(kernelDev(makedev(8n, 1n)), (8n << 20n) | 1n);
  assert.equal(kernelDev(makedev(259n, 70000n)), (259n << 20n) | 70000n);
});

test("parseNsPid: outermost first; undefined without the line", () => {
  assert.deepEqual(parseNsPid("Name:\tpython3\nNSpid:\t4242\t1\nNSpgid:\t4242\t1\n"), [4242, 1]);
  assert.deepEqual(parseNsPid("NSpid:\t17\n"), [17]);
  assert.equal(parseNsPid("Name:\tx\nPid:\t3\n"), undefined);
});

test("thread buckets: Prometheus le bounds in seconds and ns agree; a gap on a bound belongs to it", () => {
  assert.equal(THREAD_BUCKETS, 15);
  THREAD_BUCKET_BOUNDS_S.forEach((s, i) => assert.equal(THREAD_BUCKET_BOUNDS_NS[i], BigInt(Math.round(s * 1e9))));
  assert.equal(threadBucketOf(0n), 0);
  assert.equal(threadBucketOf(100_000n), 0);
  assert.equal(threadBucketOf(100_001n), 1);
  assert.equal(threadBucketOf(10_000_000_000n), 13);
  assert.equal(threadBucketOf(10_000_000_001n), 14);
});

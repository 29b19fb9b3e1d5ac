// Kernel release parsing and comparison (uname -r strings from real distributions).
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareKernel, kernelAtLeast, parseKernelRelease } from "../../src/doctor/kernel.js";
import { kernelCheck } from "../../src/doctor/host.js";

test("releases parse to major.minor.patch", () => {
  assert.deepEqual(parseKernelRelease("6.18.44-fc-v769"), { major: 6, minor: 18, patch: 44 });
  assert.deepEqual(parseKernelRelease("5.15.0-91-generic"), { major: 5, minor: 15, patch: 0 });
  assert.deepEqual(parseKernelRelease("4.18.0-513.el8.x86_64"), { major: 4, minor: 18, patch: 0 });
  assert.deepEqual(parseKernelRelease("6.1"), { major: 6, minor: 1, patch: 0 });
  assert.equal(parseKernelRelease("linux"), undefined);
});

test("comparison is numeric, not lexical", () => {
  const v = (s: string) => parseKernelRelease(s) ?? assert.fail(s);
  assert.ok(compareKernel(v("5.10.0"), v("5.8.0")) > 0, "5.10 > 5.8");
  assert.ok(compareKernel(v("5.7.19"), v("5.8.0")) < 0);
  assert.equal(compareKernel(v("5.8.0"), v("5.8")), 0);
  assert.ok(compareKernel(v("10.0"), v("9.99")) > 0);
});

test("the ring buffer needs 5.8", () => {
  assert.equal(kernelAtLeast("5.8.0-1-amd64", "5.8"), true);
  assert.equal(kernelAtLeast("5.4.0-150-generic", "5.8"), false);
  assert.equal(kernelAtLeast("garbage", "5.8"), false);
  assert.equal(kernelCheck("6.8.0-45-generic").status, "ok");
  const old = kernelCheck("4.19.0-26-amd64");
  assert.equal(old.status, "fail");
  assert.match(old.hint ?? "", /5\.8/);
});

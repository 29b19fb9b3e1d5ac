import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCpuList } from "../../../src/bpf/sys/mem.js";
import { errnoName, syscallError } from "../../../src/bpf/sys/errors.js";
import { syscallNumbersFor } from "../../../src/bpf/sys/numbers.js";

test("parses kernel CPU lists", () => {
  assert.deepEqual(parseCpuList("0-1\n"), [0, 1]);
  assert.deepEqual(parseCpuList("0"), [0]);
  assert.deepEqual(parseCpuList("0-2,5,7-8"), [0, 1, 2, 5, 7, 8]);
  assert.throws(() => parseCpuList("3-1"), RangeError);
});

test("syscall numbers per architecture", () => {
  assert.deepEqual(syscallNumbersFor("x64"), { bpf: 321, perfEventOpen: 298, ioctl: 16, pidfdOpen: 434 });
  assert.deepEqual(syscallNumbersFor("arm64"), { bpf: 280, perfEventOpen: 241, ioctl: 29, pidfdOpen: 434 });
  assert.equal(syscallNumbersFor("mips"), undefined);
});

test("syscall errors keep errno and name the operation; EPERM is a permission error", () => {
  const e = syscallError("bpf map create", 1);
  assert.equal(e.kind, "permission");
  assert.equal(e.errno, 1);
  assert.match(e.message, /^bpf map create: EPERM$/);
  assert.match(e.hint ?? "", /CAP_BPF/);
  assert.equal(syscallError("bpf prog load", 22).kind, "io");
  assert.equal(errnoName(13), "EACCES");
  assert.equal(errnoName(524), "ENOTSUPP");
});

// ProcessMemory.readVecInto: several ranges back to back into one reused buffer, one syscall.
import { test } from "node:test";
import assert from "node:assert/strict";
import koffi from "koffi";
import { readVecInto } from "../../src/python/memory/types.js";
import { SnapshotMemory } from "../../src/python/memory/snapshot.js";
import { VmReadvMemory } from "../../src/python/memory/process-vm.js";

test("readVecInto fallback: ranges land back to back from destOff and stop at the first torn one", () => {
  const m = new SnapshotMemory([{ addr: 0x1000n, bytes: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }]);
  const dest = new Uint8Array(16);
  const addrs = [0x5000, 0x1006, 0x1000, 0x9000, 0x1002];
  const lens = [4, 2, 3, 1, 1];
  assert.equal(readVecInto(m, addrs, lens, 1, 2, dest, 4), 5);
  assert.deepEqual([...dest.subarray(4, 9)], [7, 8, 1, 2, 3]);
  assert.equal(readVecInto(m, addrs, lens, 2, 3, dest, 0), 3); // 0x9000 is not there: 0x1002 is not read either
  assert.equal(readVecInto(m, addrs, lens, 0, 2, dest, 0), 0);
});

test("process_vm_readv readVecInto reads our own memory, and a partial transfer ends at a range boundary", () => {
  const src = new Uint8Array(8192);
  for (let i = 0; i < src.length; i++) src[i] = i & 255;
  const at = Number(koffi.address(src));
  const m = new VmReadvMemory(process.pid);
  const dest = new Uint8Array(64);
  const n = m.readVecInto([at + 10, at + 4000, at + 5000], [3, 5, 2], 0, 3, dest, 8);
  assert.equal(n, 10);
  assert.deepEqual([...dest.subarray(8, 18)], [10, 11, 12, 4000 & 255, 4001 & 255, 4002 & 255, 4003 & 255, 4004 & 255, 5000 & 255, 5001 & 255]);
  // an unmapped range (page 0) after a good one: only the good one comes back
  dest.fill(0);
  assert.equal(m.readVecInto([at + 1, 0x10, at + 2], [4, 8, 4], 0, 3, dest, 0), 4);
  assert.deepEqual([...dest.subarray(0, 4)], [1, 2, 3, 4]);
  assert.equal(m.readVecInto([0x10], [8], 0, 1, dest, 0), 0);
  assert.throws(() => m.readVecInto([at], [65], 0, 1, dest, 0), /destination/);
  m.close();
});

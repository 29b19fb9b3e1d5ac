import { test } from "node:test";
import assert from "node:assert/strict";
import { readError, readMany, TornRead } from "../../src/python/memory/types.js";
import { SnapshotMemory } from "../../src/python/memory/snapshot.js";
import { AddressSpace, parseMaps } from "../../src/python/maps.js";

test("read errors are sorted into permission / process gone / torn", () => {
  const perm = readError(1, 1, 0n, 8);
  assert.equal(perm.kind, "permission");
  assert.match(perm.hint ?? "", /CAP_SYS_PTRACE/);
  assert.equal(readError(1, 13, 0n, 8).kind, "permission");
  assert.equal(readError(1, 3, 0n, 8).kind, "not-found");
  assert.ok(readError(1, 14, 0n, 8) instanceof TornRead);
  assert.ok(readError(1, 5, 0n, 8) instanceof TornRead);
  assert.equal(readError(1, 22, 0n, 8).kind, "io");
});

test("snapshot memory serves reads inside regions and tears outside", () => {
  const m = new SnapshotMemory([{ addr: 0x1000n, bytes: new Uint8Array([1, 2, 3, 4]) }]);
  assert.deepEqual([...m.read(0x1001n, 2)], [2, 3]);
  assert.throws(() => m.read(0x1003n, 2), TornRead);
  assert.deepEqual(readMany(m, [{ addr: 0x1000n, len: 1 }, { addr: 0x5000n, len: 1 }]), [new Uint8Array([1]), null]);
});

test("maps parsing and the readable address space", () => {
  const maps = parseMaps(
    "00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/python3.11\n" +
      "00651000-00652000 rw-p 00051000 08:02 173521 /usr/bin/python3.11\n" +
      "00652000-00700000 rw-p 00000000 00:00 0 \n" +
      "7ffd000-7ffe000 ---p 00000000 00:00 0 [guard]\n",
  );
  assert.equal(maps.length, 4);
  assert.equal(maps[0]?.path, "/usr/bin/python3.11");
  assert.equal(maps[2]?.path, "");
  const space = new AddressSpace(maps);
  assert.ok(space.has(0x400000n, 16));
  assert.ok(space.has(0x651ff8n, 16)); // spans two adjacent readable mappings
  assert.ok(!space.has(0x7ffd000n));
  assert.ok(!space.has(0x300000n));
});

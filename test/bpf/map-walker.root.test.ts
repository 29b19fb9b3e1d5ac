// MapWalker: every entry once, values as the kernel has them, buffers reused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { requireRoot } from "../helpers/root.js";
import { MapWalker, hashMap, u32Key } from "../../src/bpf/index.js";

test("MapWalker visits every entry of a hash map once with its value, and an empty map not at all", (t) => {
  if (!requireRoot(t)) return;
  const m = hashMap("t_walk", 4, 24, 64);
  try {
    const walker = new MapWalker(m.fd, 4, 24);
    let visits = 0;
    walker.forEach(() => visits++);
    assert.equal(visits, 0);
    for (const k of [7, 42, 1000]) m.update(u32Key(k), Buffer.alloc(24, k & 0xff));
    const seen = new Map<number, number>();
    let lastValue: Buffer | undefined;
    walker.forEach((key, value) => {
      seen.set(key.readUInt32LE(0), value[23] ?? -1);
      if (lastValue !== undefined) assert.equal(value.buffer, lastValue.buffer, "one buffer for every entry");
      lastValue = value;
    });
    assert.deepEqual([...seen].sort((a, b) => a[0] - b[0]), [[7, 7], [42, 42], [1000, 1000 & 0xff]]);
    // an entry deleted during the walk is skipped, the walk goes on
    const keys: number[] = [];
    walker.forEach((key) => {
      keys.push(key.readUInt32LE(0));
      if (keys.length === 1) for (const k of [7, 42, 1000]) if (k !== keys[0]) { m.delete(u32Key(k)); break; }
    });
    assert.equal(keys.length, 2);
  } finally {
    m.close();
  }
});

// The 3.8–3.10 walk over synthetic heap frames: the per-thread plan (thread state and frames in
// one readVecInto) must give the same stacks as fresh reads, including after the chain moves and
// on a torn, cyclic chain.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FrameWalker } from "../../src/python/frames.js";
import { layoutFor38to310 } from "../../src/python/layout/legacy.js";
import { AddressSpace } from "../../src/python/maps.js";
import { SnapshotMemory } from "../../src/python/memory/snapshot.js";

const BASE = 0x10000;
const TSTATE = BASE;

class Heap extends SnapshotMemory {
  vecReads = 0;
  constructor(readonly bytes: Uint8Array) {
    super([{ addr: BigInt(BASE), bytes }]);
  }
  readVecInto(addrs: readonly number[], lens: readonly number[], from: number, count: number, dest: Uint8Array, destOff: number): number {
    this.vecReads++;
    let pos = destOff;
    for (let i = from; i < from + count; i++) {
      const a = (addrs[i] ?? 0) - BASE, len = lens[i] ?? 0;
      if (a < 0 || a + len > this.bytes.length) break;
      dest.set(this.bytes.subarray(a, a + len), pos);
      pos += len;
    }
    return pos - destOff;
  }
}

function setup(): { heap: Heap; w: FrameWalker; link: (chain: number[]) => void } {
  const layout = layoutFor38to310({ major: 3, minor: 9, micro: 18, hex: 0x030912f0 });
  assert.ok(layout);
  const bytes = new Uint8Array(0x10000);
  const dv = new DataView(bytes.buffer);
  const put = (addr: number, off: number, v: number): void => dv.setBigUint64(addr - BASE + off, BigInt(v), true);
  // frames at 0x1000 steps (one per page, like pymalloc pools), each with a refcount, its own code and f_lasti
  for (let i = 1; i < 12; i++) {
    const fr = BASE + i * 0x1000;
    put(fr, 0, 1);
    put(fr, layout.frame.code, 0x700000 + i * 0x100);
    dv.setInt32(fr - BASE + layout.frame.instr, i * 2, true);
  }
  const link = (chain: number[]): void => {
    put(TSTATE, 24, chain[0] === undefined ? 0 : BASE + chain[0] * 0x1000);
    // consecutive pairs; the last frame ends the chain unless it repeats one (a cycle)
    for (let i = 0; i + 1 < chain.length; i++) put(BASE + (chain[i] ?? 0) * 0x1000, layout.frame.previous, BASE + (chain[i + 1] ?? 0) * 0x1000);
    const last = chain[chain.length - 1];
    if (last !== undefined && chain.indexOf(last) === chain.length - 1) put(BASE + last * 0x1000, layout.frame.previous, 0);
  };
  const heap = new Heap(bytes);
  const space = new AddressSpace([{ start: BigInt(BASE), end: BigInt(BASE + bytes.length), perms: "rw-p", offset: 0n, path: "" }]);
  return { heap, w: new FrameWalker(heap, layout, () => space), link };
}

const stack = (w: FrameWalker, _heap: Heap): number[] => {
  const ts = w.readThread(BigInt(TSTATE), 184);
  return w.walk(BigInt(TSTATE), ts).map((r) => (r.frame - BASE) / 0x1000 + (r.code === 0x700000 + ((r.frame - BASE) / 0x1000) * 0x100 && r.offset === ((r.frame - BASE) / 0x1000) * 2 ? 0 : 100));
};

test("3.8–3.10 walk: steady chain from one readVecInto, chain changes, torn cycles", () => {
  const { heap, w, link } = setup();
  link([3, 1, 7, 2]);
  assert.deepEqual(stack(w, heap), [3, 1, 7, 2]); // first walk: frames read one by one
  assert.equal(heap.vecReads, 0);
  assert.deepEqual(stack(w, heap), [3, 1, 7, 2]); // then thread state + frames in one call
  assert.equal(heap.vecReads, 1);
  assert.deepEqual(stack(w, heap), [3, 1, 7, 2]);
  link([5, 3, 1, 7, 2]); // a call: a new innermost frame
  assert.deepEqual(stack(w, heap), [5, 3, 1, 7, 2]);
  assert.deepEqual(stack(w, heap), [5, 3, 1, 7, 2]);
  link([7, 2]); // returns
  assert.deepEqual(stack(w, heap), [7, 2]);
  link([4, 6, 8, 4]); // torn: a cycle; the walk stops at the repeat, each frame once
  assert.deepEqual(stack(w, heap), [4, 6, 8]);
  assert.deepEqual(stack(w, heap), [4, 6, 8]); // same through the plan
  link([4, 6, 9, 6]); // leaves the plan, then cycles back into it
  assert.deepEqual(stack(w, heap), [4, 6, 9]);
  link([4, 6, 9]);
  assert.deepEqual(stack(w, heap), [4, 6, 9]);
  // a walk not primed by readThread (retry, dump) reads the frames alone into the same buffer
  const ts = heap.read(BigInt(TSTATE), 184);
  assert.deepEqual(w.walk(BigInt(TSTATE), ts).map((r) => (r.frame - BASE) / 0x1000), [4, 6, 9]);
});

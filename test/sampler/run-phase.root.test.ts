import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { requireRoot } from "../helpers/root.js";
import { hashMap, u32Key } from "../../src/bpf/index.js";
import { THREAD } from "../../src/probes/loop-gap/layout.js";
import { findMapFd, retainMap, RunPhaseReader, RUN_PHASE_MAP } from "../../src/sampler/index.js";

function entry(runStart: bigint, tgid: number): Buffer {
  const v = Buffer.alloc(THREAD.size);
  v.writeBigUInt64LE(runStart, THREAD.runStart);
  v.writeUInt32LE(tgid, THREAD.tgid);
  return v;
}

test("RunPhaseReader reads run phases and walks every loop thread through pre-encoded attrs", (t) => {
  if (!requireRoot(t)) return;
  const m = hashMap(RUN_PHASE_MAP.name, 4, THREAD.size, 64);
  try {
    m.update(u32Key(101), entry(5_000n, 100));
    m.update(u32Key(102), entry(0n, 100)); // waiting
    m.update(u32Key(201), entry(7_000n, 200));
    const r = new RunPhaseReader(m.fd);
    assert.equal(r.runPhaseStart(101), 5_000n);
    assert.equal(r.runPhaseStart(102), undefined);
    assert.equal(r.runPhaseStart(999), undefined);
    const all = r.threads().sort((a, b) => a.tid - b.tid);
    assert.deepEqual(all, [
      { pid: 100, tid: 101, runPhaseStartNs: 5_000n },
      { pid: 100, tid: 102, runPhaseStartNs: undefined },
      { pid: 200, tid: 201, runPhaseStartNs: 7_000n },
    ]);
    // the attrs stay valid after garbage collection and many calls
    for (let i = 0; i < 10_000; i++) r.runPhaseStart(101);
    global.gc?.();
    assert.equal(r.runPhaseStart(201), 7_000n);
  } finally {
    m.close();
  }
});

test("findMapFd finds the probe's map by name; retainMap keeps it readable after the owner closes it", (t) => {
  if (!requireRoot(t)) return;
  const fds = () => readdirSync("/proc/self/fd").length;
  const before = fds();
  const other = hashMap("lg_other", 4, THREAD.size, 8);
  const m = hashMap(RUN_PHASE_MAP.name, 4, THREAD.size, 8);
  m.update(u32Key(7), entry(42n, 7));
  assert.equal(findMapFd(RUN_PHASE_MAP), m.fd);
  const own = retainMap(m.fd);
  m.close();
  other.close();
  assert.equal(new RunPhaseReader(own.fd).runPhaseStart(7), 42n);
  own.close();
  own.close(); // idempotent
  assert.equal(findMapFd(RUN_PHASE_MAP), undefined);
  assert.equal(fds(), before);
});

test("RunPhaseReader and findMapFd take values longer than THREAD (a companion probe's bytes follow)", (t) => {
  if (!requireRoot(t)) return;
  const size = THREAD.size + 328;
  const m = hashMap(RUN_PHASE_MAP.name, 4, size, 8);
  try {
    const v = Buffer.alloc(size, 0xab); // the companion's bytes: must not spill anywhere
    entry(9_000n, 300).copy(v);
    m.update(u32Key(301), v);
    assert.equal(findMapFd(RUN_PHASE_MAP), m.fd);
    const r = new RunPhaseReader(m.fd);
    for (let i = 0; i < 1000; i++) assert.equal(r.runPhaseStart(301), 9_000n);
    assert.deepEqual(r.threads(), [{ pid: 300, tid: 301, runPhaseStartNs: 9_000n }]);
  } finally {
    m.close();
  }
  const small = hashMap(RUN_PHASE_MAP.name, 4, 8, 8);
  try {
    assert.equal(findMapFd(RUN_PHASE_MAP), undefined, "values shorter than THREAD are not the probe's");
    assert.throws(() => new RunPhaseReader(small.fd), RangeError);
  } finally {
    small.close();
  }
});

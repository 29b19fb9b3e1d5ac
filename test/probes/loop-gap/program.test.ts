// The program builder without a kernel: every variant marshals; optional code is only there when asked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { marshal } from "../../../src/bpf/asm/marshal.js";
import { enterProgram, exitProgram, type LoopGapMaps } from "../../../src/probes/loop-gap/program.js";
import type { WaitKind } from "../../../src/probes/loop-gap/syscalls.js";
import { exitTaskProgram, forkProgram } from "../../../src/probes/loop-gap/descendants.js";
import { RAW_ARCHES, rawEnterProgram, rawExitProgram, rawWaits } from "../../../src/probes/loop-gap/raw-syscalls.js";
import { WAIT_SYSCALLS } from "../../../src/probes/loop-gap/wait-syscalls.js";

const maps: LoopGapMaps = { targets: { fd: 3 }, threads: { fd: 4 }, counters: { fd: 5 }, events: { fd: 6 }, totals: { fd: 7 }, hist: { fd: 8 }, zero: { fd: 12 }, tidBits: { fd: 13 } };
const KINDS: WaitKind[] = [{ family: "epoll" }, { family: "fdset", countOffset: 24, countSize: 8, countArg: 1 }, { family: "fdset", countOffset: 16, countSize: 4, countArg: 0 }];

/** Map fds referenced by LD_IMM64 instructions of a marshalled program. */
function mapFds(b: Buffer): number[] {
  const fds: number[] = [];
  for (let i = 0; i < b.length; i += 8) {
    if (b[i] === 0x18) {
      if ((b[i + 1]! >> 4) !== 0) fds.push(b.readInt32LE(i + 4));
      i += 8;
    }
  }
  return [...new Set(fds)].sort();
}

test("every variant marshals (all labels resolve)", () => {
  for (const kind of KINDS) {
    for (const stats of [false, true]) {
      for (const thresholdNs of [null, 0n, 5_000_000_000n]) {
        for (const tid of [undefined, 42]) {
          const o = { stats, thresholdNs, ...(tid === undefined ? {} : { tid }) };
          assert.ok(marshal(enterProgram(maps, o, kind)).length > 0);
          assert.ok(marshal(exitProgram(maps, o)).length > 0);
        }
      }
    }
  }
});

test("histogram code is included only with stats; ring buffer code only with a threshold", () => {
  const epoll: WaitKind = { family: "epoll" };
  assert.deepEqual(mapFds(marshal(enterProgram(maps, { stats: false, thresholdNs: 1n }, epoll))), [4, 5, 6]);
  assert.deepEqual(mapFds(marshal(enterProgram(maps, { stats: true, thresholdNs: null }, epoll))), [4, 7, 8]);
  assert.deepEqual(mapFds(marshal(exitProgram(maps, { stats: true, thresholdNs: 1n }))), [3, 4, 12, 13].sort());
});

test("a threshold above 32 bits is loaded with LD_IMM64, not truncated", () => {
  const b = marshal(enterProgram(maps, { stats: false, thresholdNs: 5_000_000_000n }, { family: "epoll" }));
  let found = false;
  for (let i = 0; i < b.length; i += 8) {
    if (b[i] === 0x18 && (b[i + 1]! >> 4) === 0) {
      const v = BigInt(b.readUInt32LE(i + 4)) | (BigInt(b.readUInt32LE(i + 12)) << 32n);
      found ||= v === 5_000_000_000n;
      i += 8;
    }
  }
  assert.ok(found);
});

test("the tid filter is baked in as an immediate", () => {
  const b = marshal(exitProgram(maps, { stats: false, thresholdNs: 1n, tid: 4242 }));
  let found = false;
  for (let i = 0; i < b.length; i += 8) if (b[i] === 0x56 && b.readInt32LE(i + 4) === 4242) found = true; // jne32 imm
  assert.ok(found);
});

test("per-thread buckets, namespace ids and fork adoption appear only when asked", () => {
  const epoll: WaitKind = { family: "epoll" };
  const more: LoopGapMaps = { ...maps, threadHist: { fd: 9 }, threadHistZero: { fd: 10 }, pending: { fd: 11 } };
  assert.deepEqual(mapFds(marshal(enterProgram(more, { stats: false, thresholdNs: 1n }, epoll))), [10, 4, 5, 6, 9].sort());
  assert.deepEqual(mapFds(marshal(exitProgram(more, { stats: false, thresholdNs: 1n }))), [11, 3, 4, 12, 13].sort());
  const ns = { dev: 4n, ino: 4026532178n };
  const withNs = marshal(enterProgram(maps, { stats: true, thresholdNs: 1n, pidNamespace: ns }, epoll));
  const without = marshal(enterProgram(maps, { stats: true, thresholdNs: 1n }, epoll));
  const calls = (b: Buffer, helper: number): number => {
    let n = 0;
    for (let i = 0; i < b.length; i += 8) if (b[i] === 0x85 && b.readInt32LE(i + 4) === helper) n++;
    return n;
  };
  assert.equal(calls(withNs, 120), 1); // bpf_get_ns_current_pid_tgid
  assert.equal(calls(withNs, 14), 0);
  assert.equal(calls(without, 120), 0);
  assert.equal(calls(without, 14), 1);
});

test("descendant programs marshal in every variant", () => {
  const ns = { dev: 4n, ino: 4026532178n };
  for (const n of [undefined, ns]) {
    for (const pending of [undefined, { fd: 11 }]) {
      const d = { targets: { fd: 3 }, ...(pending === undefined ? {} : { pending }) };
      assert.ok(marshal(forkProgram(d, { childPid: 20 }, n)).length > 0);
      assert.ok(marshal(exitTaskProgram(d, {}, n)).length > 0);
      assert.ok(marshal(exitTaskProgram(d, { groupDead: 32 }, n)).length > 0);
    }
  }
});

test("companion bytes: the enter program keeps the entry pointer and copies them into the event, 8 bytes at a time", () => {
  const epoll: WaitKind = { family: "epoll" };
  const plain = marshal(enterProgram(maps, { stats: false, thresholdNs: 1n }, epoll)).length / 8;
  const with32 = marshal(enterProgram(maps, { stats: false, thresholdNs: 1n, companionBytes: 32 }, epoll)).length / 8;
  assert.equal(with32 - plain, 1 + 1 + 2 * 4); // spill, reload, 4 × (load, store)
  // no events (stats only): nothing to copy into, only the spill
  const statsOnly = marshal(enterProgram(maps, { stats: true, thresholdNs: null }, epoll)).length / 8;
  assert.equal(marshal(enterProgram(maps, { stats: true, thresholdNs: null, companionBytes: 32 }, epoll)).length / 8 - statsOnly, 1);
});

test("raw_syscalls programs: every variant marshals, on each architecture's numbers", () => {
  const raw = { ...maps, tailCalls: { fd: 14 }, tgidBits: { fd: 15 } };
  for (const arch of Object.keys(RAW_ARCHES)) {
    const w = rawWaits(arch, WAIT_SYSCALLS.map((s) => ("countArg" in s ? { name: s.name, countArg: s.countArg } : { name: s.name })));
    assert.ok(w !== undefined && w.waits.length >= 2, arch);
    for (const stats of [false, true]) {
      for (const tid of [undefined, 42]) {
        const o = { stats, thresholdNs: 1n, companionBytes: 16, ...(tid === undefined ? {} : { tid }) };
        assert.ok(marshal(rawEnterProgram(raw, o, w.arch, w.waits)).length > 0);
        assert.ok(marshal(rawExitProgram(raw, o, w.arch, w.waits)).length > 0);
      }
    }
  }
  // arm64 has no epoll_wait, poll or select (asm-generic/unistd.h)
  assert.deepEqual(rawWaits("arm64", [{ name: "epoll_wait" }, { name: "poll", countArg: 1 }, { name: "epoll_pwait" }])?.waits, [{ nr: 22 }]);
  assert.equal(rawWaits("riscv64", []), undefined);
});

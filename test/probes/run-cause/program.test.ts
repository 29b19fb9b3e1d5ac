import { test } from "node:test";
import assert from "node:assert/strict";
import { marshal } from "../../../src/bpf/asm/marshal.js";
import type { MapRef } from "../../../src/bpf/asm/insn.js";
import { Helper } from "../../../src/bpf/asm/opcodes.js";
import {
  rawSwitchProgram, rawWakeupProgram, switchProgram, sysEnterProgram, sysExitProgram, wakeupProgram, type RunCauseMaps,
} from "../../../src/probes/run-cause/program.js";

const fake = (fd: number): MapRef => ({ fd, name: `m${fd}` });
const maps: RunCauseMaps = { threads: fake(4), tidBits: fake(5), stacks: fake(6), tasks: fake(9), taskBits: fake(11), pending: fake(12) };
const L = { base: 16 };
const NS = { base: 16, pidNamespace: { dev: 4n, ino: 4026532178n } };
const sched = { prevPid: 24, prevState: 32, prevStateSize: 8 as const, nextPid: 56, wakeupPid: 24 };
const perf = { enterId: 8, exitId: 8 };
const raw = { enterId: 8, exitId: null };

/** Helper ids called by an encoded program. */
function calls(code: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at < code.length; at += 8) if (code[at] === 0x85) out.push(code.readInt32LE(at + 4));
  return out;
}

/** Slot index of the first LD_IMM64 of map `fd` with src_reg `src` (2: map value, 1: map fd), or -1. */
function firstLoad(code: Buffer, fd: number, src: number): number {
  for (let at = 0; at < code.length; at += 8) if (code[at] === 0x18 && (code[at + 1] ?? 0) >> 4 === src && code.readInt32LE(at + 4) === fd) return at / 8;
  return -1;
}
/** Slot index of the first call to `helper`, or -1. */
function firstCall(code: Buffer, helper: number): number {
  for (let at = 0; at < code.length; at += 8) if (code[at] === 0x85 && code.readInt32LE(at + 4) === helper) return at / 8;
  return -1;
}

test("every builder assembles (labels resolve, maps patch), in both PID namespace modes", () => {
  for (const l of [L, NS]) {
    for (const p of [
      switchProgram(maps, l, sched), switchProgram(maps, l, { ...sched, prevStateSize: 4 }), wakeupProgram(maps, l, sched),
      sysEnterProgram(maps, l, perf), sysEnterProgram(maps, l, raw, [232, 281]), sysExitProgram(maps, l, perf, [202, 449, 455]), sysExitProgram(maps, l, perf, []),
      sysExitProgram(maps, l, raw, [202]), rawSwitchProgram(maps, l), rawWakeupProgram(maps, l),
    ]) {
      const code = marshal(p);
      assert.ok(code.length > 0 && code.length % 8 === 0);
      assert.ok(code.length / 8 < 4096, "well under the 4096-insn limit of unprivileged-era kernels");
    }
  }
});

test("only the switch-out path takes a kernel stack; no program writes a ring buffer (loop-gap's event carries the block)", () => {
  assert.ok(calls(marshal(switchProgram(maps, L, sched))).includes(Helper.GetStackid));
  assert.ok(calls(marshal(rawSwitchProgram(maps, L))).includes(Helper.GetStackid));
  for (const p of [wakeupProgram(maps, L, sched), rawWakeupProgram(maps, L), sysEnterProgram(maps, L, raw), sysExitProgram(maps, L, raw, [202])]) {
    assert.ok(!calls(marshal(p)).includes(Helper.GetStackid));
  }
  for (const p of [switchProgram(maps, L, sched), rawSwitchProgram(maps, L), sysEnterProgram(maps, L, raw), sysExitProgram(maps, L, raw, [202])]) {
    assert.ok(!calls(marshal(p)).includes(Helper.RingbufReserve));
  }
});

test("a busy loop's own syscalls cost no helper call: epoll waits leave sys_enter at once, sys_exit reads the per-CPU flag first", () => {
  // sys_enter: the skip compares come before any call
  const enter = marshal(sysEnterProgram(maps, L, raw, [232, 281]));
  const firstHelper = Math.min(...[Helper.GetCurrentPidTgid, Helper.MapLookupElem, Helper.KtimeGetNs].map((h) => firstCall(enter, h)).filter((i) => i >= 0));
  let skips = 0;
  for (let at = 0; at < firstHelper * 8; at += 8) if (enter[at] === 0x15 && [232, 281].includes(enter.readInt32LE(at + 4))) skips++;
  assert.equal(skips, 2);
  // sys_exit (raw: no id): the first call is the lookup of `pending` (a per-CPU array, inlined by the verifier), before the ids
  const exit = marshal(sysExitProgram(maps, L, raw, [202]));
  assert.ok(firstLoad(exit, 12, 1) >= 0 && firstLoad(exit, 12, 1) < firstCall(exit, Helper.GetCurrentPidTgid));
  assert.equal(firstCall(exit, Helper.MapLookupElem), firstLoad(exit, 12, 1) + 4); // ld_imm64 (2 slots), r2 = fp, r2 += -8, call
});

test("system-wide programs read a one-byte prefilter before any hash lookup", () => {
  for (const p of [sysEnterProgram(maps, L, raw), rawSwitchProgram(maps, L), switchProgram(maps, L, sched), wakeupProgram(maps, L, sched)]) {
    const code = marshal(p);
    const ld = firstLoad(code, 5, 2); // tidBits, BPF_PSEUDO_MAP_VALUE
    assert.ok(ld >= 0 && ld < firstCall(code, Helper.MapLookupElem));
  }
  const code = marshal(rawWakeupProgram(maps, L));
  assert.ok(firstLoad(code, 11, 2) >= 0 && firstLoad(code, 11, 2) < firstCall(code, Helper.MapLookupElem)); // taskBits
});

test("in a PID namespace the current ids come from bpf_get_ns_current_pid_tgid", () => {
  for (const p of [sysEnterProgram(maps, NS, raw), sysExitProgram(maps, NS, raw, []), rawSwitchProgram(maps, NS)]) {
    const c = calls(marshal(p));
    assert.ok(c.includes(Helper.GetNsCurrentPidTgid) && !c.includes(Helper.GetCurrentPidTgid));
  }
  assert.ok(!calls(marshal(sysEnterProgram(maps, L, raw))).includes(Helper.GetNsCurrentPidTgid));
});

test("the scheduler programs read the clock only after a loop thread is found (every context switch of the system runs them)", () => {
  for (const p of [rawSwitchProgram(maps, L), switchProgram(maps, L, sched)]) {
    const code = marshal(p);
    assert.ok(firstCall(code, Helper.KtimeGetNs) > firstCall(code, Helper.MapLookupElem));
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { marshal } from "../../../src/bpf/asm/marshal.js";
import type { MapRef } from "../../../src/bpf/asm/insn.js";
import { Helper } from "../../../src/bpf/asm/opcodes.js";
import {
  enterProgram, exitProgram, rawSwitchProgram, rawWakeupProgram, switchProgram, sysEnterProgram, sysExitProgram, wakeupProgram, type RunCauseMaps,
} from "../../../src/probes/run-cause/program.js";

const fake = (fd: number): MapRef => ({ fd, name: `m${fd}` });
const maps: RunCauseMaps = { targets: fake(3), threads: fake(4), zero: fake(5), stacks: fake(6), events: fake(7), counters: fake(8), tasks: fake(9), pidBits: fake(10), taskBits: fake(11) };
const sched = { prevPid: 24, prevState: 32, prevStateSize: 8 as const, nextPid: 56, wakeupPid: 24 };
const raw = { enterId: 8, exitId: 8 };

/** Helper ids called by an encoded program. */
function calls(code: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at < code.length; at += 8) if (code[at] === 0x85) out.push(code.readInt32LE(at + 4));
  return out;
}

test("every builder assembles (labels resolve, maps patch) for every wait kind and option", () => {
  for (const p of [
    exitProgram(maps, undefined), exitProgram(maps, 1234),
    enterProgram(maps, 1_000_000n, { family: "epoll" }), enterProgram(maps, 0n, { family: "fdset", countOffset: 16, countSize: 8 }),
    switchProgram(maps, sched), switchProgram(maps, { ...sched, prevStateSize: 4 }), wakeupProgram(maps, sched),
    sysEnterProgram(maps, raw), sysExitProgram(maps, raw, [202, 449, 455]), sysExitProgram(maps, raw, []), sysExitProgram(maps, { enterId: 8, exitId: null }, [202]), rawSwitchProgram(maps), rawWakeupProgram(maps),
  ]) {
    const code = marshal(p);
    assert.ok(code.length > 0 && code.length % 8 === 0);
    assert.ok(code.length / 8 < 4096, "well under the 4096-insn limit of unprivileged-era kernels");
  }
});

test("only the switch-out path takes a kernel stack; only the phase end writes to the ring buffer", () => {
  assert.ok(calls(marshal(switchProgram(maps, sched))).includes(Helper.GetStackid));
  assert.ok(calls(marshal(rawSwitchProgram(maps))).includes(Helper.GetStackid));
  for (const p of [exitProgram(maps, undefined), wakeupProgram(maps, sched), sysEnterProgram(maps, raw), sysExitProgram(maps, raw, [202])]) {
    const c = calls(marshal(p));
    assert.ok(!c.includes(Helper.GetStackid) && !c.includes(Helper.RingbufReserve));
  }
  assert.ok(calls(marshal(enterProgram(maps, 1n, { family: "epoll" }))).includes(Helper.RingbufReserve));
});

test("the tid filter is compiled in only when asked", () => {
  const jne32 = (code: Buffer, imm: number) => {
    for (let at = 0; at < code.length; at += 8) if (code[at] === 0x56 && code.readInt32LE(at + 4) === imm) return true;
    return false;
  };
  assert.ok(jne32(marshal(exitProgram(maps, 4321)), 4321));
  assert.ok(!jne32(marshal(exitProgram(maps, undefined)), 4321));
});

test("system-wide programs read the one-byte prefilter before any hash lookup", () => {
  /** Slot index of the first LD_IMM64 of map `fd` with src_reg `src`, and of the first map lookup call. */
  const first = (code: Buffer, fd: number, src: number) => {
    let ld = -1;
    let lookup = -1;
    for (let at = 0; at < code.length; at += 8) {
      if (ld < 0 && code[at] === 0x18 && (code[at + 1] ?? 0) >> 4 === src && code.readInt32LE(at + 4) === fd) ld = at / 8;
      if (lookup < 0 && code[at] === 0x85 && code.readInt32LE(at + 4) === Helper.MapLookupElem) lookup = at / 8;
    }
    return { ld, lookup };
  };
  const raw = { enterId: 8, exitId: null };
  for (const p of [sysEnterProgram(maps, raw), sysExitProgram(maps, raw, [202]), rawSwitchProgram(maps)]) {
    const { ld, lookup } = first(marshal(p), 10, 2); // pidBits, BPF_PSEUDO_MAP_VALUE
    assert.ok(ld >= 0 && ld < lookup);
  }
  const { ld, lookup } = first(marshal(rawWakeupProgram(maps)), 11, 2); // taskBits
  assert.ok(ld >= 0 && ld < lookup);
});

// Golden encodings: every builder against bytes written from the opcode tables of
// include/uapi/linux/bpf.h / RFC 9669 (not from the builder itself).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as a from "../../../src/bpf/asm/index.js";
import { R0, R1, R2, R3, R6, R10, Size } from "../../../src/bpf/asm/index.js";

/** First slot(s) of [insn, label t, exit]: jumps to "t" get offset 0. */
function hex(i: a.Instruction): string {
  const b = a.marshal([i, a.label("t"), a.exit()]);
  return b.subarray(0, b.length - 8).toString("hex");
}

const GOLDEN: Array<[string, a.Instruction, string]> = [
  ["mov64Imm", a.mov64Imm(R1, 0), "b701000000000000"],
  ["mov64Imm negative", a.mov64Imm(R3, -1), "b7030000ffffffff"],
  ["mov64Reg", a.mov64Reg(R6, R1), "bf16000000000000"],
  ["mov32Imm", a.mov32Imm(R3, -1), "b4030000ffffffff"],
  ["mov32Reg", a.mov32Reg(R1, R2), "bc21000000000000"],
  ["add64Imm", a.add64Imm(R2, -4), "07020000fcffffff"],
  ["add64Reg", a.add64Reg(R1, R3), "0f31000000000000"],
  ["add32Imm", a.add32Imm(R1, 1), "0401000001000000"],
  ["add32Reg", a.add32Reg(R1, R2), "0c21000000000000"],
  ["sub64Imm", a.sub64Imm(R1, 7), "1701000007000000"],
  ["sub64Reg", a.sub64Reg(R1, R2), "1f21000000000000"],
  ["sub32Imm", a.sub32Imm(R1, 7), "1401000007000000"],
  ["sub32Reg", a.sub32Reg(R1, R2), "1c21000000000000"],
  ["mul64Imm", a.mul64Imm(R1, 3), "2701000003000000"],
  ["mul64Reg", a.mul64Reg(R1, R2), "2f21000000000000"],
  ["div64Imm", a.div64Imm(R1, 3), "3701000003000000"],
  ["div64Reg", a.div64Reg(R1, R2), "3f21000000000000"],
  ["or64Imm", a.or64Imm(R1, 0x10), "4701000010000000"],
  ["or64Reg", a.or64Reg(R1, R2), "4f21000000000000"],
  ["and64Imm", a.and64Imm(R1, 127), "570100007f000000"],
  ["and64Reg", a.and64Reg(R1, R2), "5f21000000000000"],
  ["and32Imm", a.and32Imm(R1, 127), "540100007f000000"],
  ["and32Reg", a.and32Reg(R1, R2), "5c21000000000000"],
  ["lsh64Imm", a.lsh64Imm(R1, 3), "6701000003000000"],
  ["lsh64Reg", a.lsh64Reg(R1, R2), "6f21000000000000"],
  ["rsh64Imm", a.rsh64Imm(R1, 32), "7701000020000000"],
  ["rsh64Reg", a.rsh64Reg(R1, R3), "7f31000000000000"],
  ["rsh32Imm", a.rsh32Imm(R1, 4), "7401000004000000"],
  ["rsh32Reg", a.rsh32Reg(R1, R3), "7c31000000000000"],
  ["neg64", a.neg64(R2), "8702000000000000"],
  ["mod64Imm", a.mod64Imm(R1, 10), "970100000a000000"],
  ["mod64Reg", a.mod64Reg(R1, R2), "9f21000000000000"],
  ["xor64Imm", a.xor64Imm(R1, 1), "a701000001000000"],
  ["xor64Reg", a.xor64Reg(R1, R2), "af21000000000000"],
  ["arsh64Imm", a.arsh64Imm(R1, 1), "c701000001000000"],
  ["arsh64Reg", a.arsh64Reg(R1, R2), "cf21000000000000"],
  ["mul32Imm", a.mul32Imm(R1, 3), "2401000003000000"],
  ["mul32Reg", a.mul32Reg(R1, R2), "2c21000000000000"],
  ["div32Imm", a.div32Imm(R1, 3), "3401000003000000"],
  ["div32Reg", a.div32Reg(R1, R2), "3c21000000000000"],
  ["or32Imm", a.or32Imm(R1, 0x10), "4401000010000000"],
  ["or32Reg", a.or32Reg(R1, R2), "4c21000000000000"],
  ["lsh32Imm", a.lsh32Imm(R1, 3), "6401000003000000"],
  ["lsh32Reg", a.lsh32Reg(R1, R2), "6c21000000000000"],
  ["neg32", a.neg32(R2), "8402000000000000"],
  ["mod32Imm", a.mod32Imm(R1, 10), "940100000a000000"],
  ["mod32Reg", a.mod32Reg(R1, R2), "9c21000000000000"],
  ["xor32Imm", a.xor32Imm(R1, 1), "a401000001000000"],
  ["xor32Reg", a.xor32Reg(R1, R2), "ac21000000000000"],
  ["arsh32Imm", a.arsh32Imm(R1, 1), "c401000001000000"],
  ["arsh32Reg", a.arsh32Reg(R1, R2), "cc21000000000000"],
  ["jset32Imm", a.jset32Imm(R1, 1, "t"), "4601000001000000"],
  ["jset32Reg", a.jset32Reg(R1, R2, "t"), "4e21000000000000"],
  ["jsgt32Imm", a.jsgt32Imm(R1, -1, "t"), "66010000ffffffff"],
  ["jsgt32Reg", a.jsgt32Reg(R1, R2, "t"), "6e21000000000000"],
  ["jsge32Imm", a.jsge32Imm(R1, 0, "t"), "7601000000000000"],
  ["jsge32Reg", a.jsge32Reg(R1, R2, "t"), "7e21000000000000"],
  ["jslt32Imm", a.jslt32Imm(R1, 0, "t"), "c601000000000000"],
  ["jslt32Reg", a.jslt32Reg(R1, R2, "t"), "ce21000000000000"],
  ["jsle32Imm", a.jsle32Imm(R1, 0, "t"), "d601000000000000"],
  ["jsle32Reg", a.jsle32Reg(R1, R2, "t"), "de21000000000000"],
  ["ja", a.ja("t"), "0500000000000000"],
  ["jeqImm", a.jeqImm(R0, 0, "t"), "1500000000000000"],
  ["jeqReg", a.jeqReg(R1, R2, "t"), "1d21000000000000"],
  ["jeq32Imm", a.jeq32Imm(R2, 0, "t"), "1602000000000000"],
  ["jeq32Reg", a.jeq32Reg(R1, R2, "t"), "1e21000000000000"],
  ["jneImm", a.jneImm(R0, 0, "t"), "5500000000000000"],
  ["jneReg", a.jneReg(R1, R2, "t"), "5d21000000000000"],
  ["jne32Imm", a.jne32Imm(R6, 1234, "t"), "56060000d2040000"],
  ["jne32Reg", a.jne32Reg(R1, R2, "t"), "5e21000000000000"],
  ["jgtImm", a.jgtImm(R3, 42, "t"), "250300002a000000"],
  ["jgtReg", a.jgtReg(R1, R2, "t"), "2d21000000000000"],
  ["jgt32Imm", a.jgt32Imm(R3, 42, "t"), "260300002a000000"],
  ["jgt32Reg", a.jgt32Reg(R1, R2, "t"), "2e21000000000000"],
  ["jgeImm", a.jgeImm(R1, 1, "t"), "3501000001000000"],
  ["jgeReg", a.jgeReg(R2, R1, "t"), "3d12000000000000"],
  ["jge32Imm", a.jge32Imm(R1, 1, "t"), "3601000001000000"],
  ["jge32Reg", a.jge32Reg(R2, R1, "t"), "3e12000000000000"],
  ["jltImm", a.jltImm(R1, 128, "t"), "a501000080000000"],
  ["jltReg", a.jltReg(R1, R2, "t"), "ad21000000000000"],
  ["jlt32Imm", a.jlt32Imm(R1, 128, "t"), "a601000080000000"],
  ["jlt32Reg", a.jlt32Reg(R1, R2, "t"), "ae21000000000000"],
  ["jleImm", a.jleImm(R1, 4735, "t"), "b50100007f120000"],
  ["jleReg", a.jleReg(R2, R1, "t"), "bd12000000000000"],
  ["jle32Imm", a.jle32Imm(R1, 1, "t"), "b601000001000000"],
  ["jle32Reg", a.jle32Reg(R2, R1, "t"), "be12000000000000"],
  ["jsetImm", a.jsetImm(R1, 1, "t"), "4501000001000000"],
  ["jsetReg", a.jsetReg(R1, R2, "t"), "4d21000000000000"],
  ["jsgtImm", a.jsgtImm(R1, -1, "t"), "65010000ffffffff"],
  ["jsgtReg", a.jsgtReg(R1, R2, "t"), "6d21000000000000"],
  ["jsgeImm", a.jsgeImm(R1, 0, "t"), "7501000000000000"],
  ["jsgeReg", a.jsgeReg(R1, R2, "t"), "7d21000000000000"],
  ["jsltImm", a.jsltImm(R1, 0, "t"), "c501000000000000"],
  ["jsltReg", a.jsltReg(R1, R2, "t"), "cd21000000000000"],
  ["jsleImm", a.jsleImm(R1, 0, "t"), "d501000000000000"],
  ["jsleReg", a.jsleReg(R1, R2, "t"), "dd21000000000000"],
  ["call", a.call(a.Helper.MapLookupElem), "8500000001000000"],
  ["call ringbuf_reserve", a.call(a.Helper.RingbufReserve), "8500000083000000"],
  ["exit", a.exit(), "9500000000000000"],
  ["ldx W", a.ldx(Size.W, R1, R2, 8), "6121080000000000"],
  ["ldx H", a.ldx(Size.H, R1, R2, 2), "6921020000000000"],
  ["ldx B", a.ldx(Size.B, R1, R2, 1), "7121010000000000"],
  ["ldx DW", a.ldx(Size.DW, R1, R2, 16), "7921100000000000"],
  ["ldxDW", a.ldxDW(R1, R0, 24), "7901180000000000"],
  ["ldxW", a.ldxW(R1, R0, 12), "61010c0000000000"],
  ["stx W", a.stx(Size.W, R10, -4, R1), "631afcff00000000"],
  ["stx H", a.stx(Size.H, R10, -2, R1), "6b1afeff00000000"],
  ["stx B", a.stx(Size.B, R10, -1, R1), "731affff00000000"],
  ["stx DW", a.stx(Size.DW, R10, -8, R1), "7b1af8ff00000000"],
  ["stxDW", a.stxDW(R0, 16, a.R9), "7b90100000000000"],
  ["stxW", a.stxW(R0, 4, R6), "6360040000000000"],
  ["st W", a.st(Size.W, R10, -4, 0), "620afcff00000000"],
  ["st H", a.st(Size.H, R10, -2, 7), "6a0afeff07000000"],
  ["st B", a.st(Size.B, R10, -1, 7), "720affff07000000"],
  ["st DW", a.st(Size.DW, R1, 0, 1), "7a01000001000000"],
  ["atomicAdd DW", a.atomicAdd(Size.DW, R0, 0, R1), "db10000000000000"],
  ["atomicAdd W", a.atomicAdd(Size.W, R2, 8, R1), "c312080000000000"],
  ["ld64", a.ld64(R1, 0x1_0000_0002n), "1801000002000000" + "0000000001000000"],
  ["ld64 all ones", a.ld64(R3, 0xffff_ffff_ffff_ffffn), "18030000ffffffff" + "00000000ffffffff"],
  ["ldMapFd", a.ldMapFd(R1, { fd: 7 }), "1811000007000000" + "0000000000000000"],
  ["ldMapValue", a.ldMapValue(R2, { fd: 7 }, 16), "1822000007000000" + "0000000010000000"],
];

for (const [name, insn, expected] of GOLDEN) {
  test(`encodes ${name}`, () => {
    assert.equal(hex(insn), expected);
  });
}

test("instructions are frozen values", () => {
  const i = a.mov64Imm(R1, 1);
  assert.ok(Object.isFrozen(i));
  assert.deepEqual(a.mov64Imm(R1, 1), i);
});

test("out-of-range immediates and offsets are refused", () => {
  assert.throws(() => a.mov64Imm(R1, 2 ** 33), RangeError);
  assert.throws(() => a.ldx(Size.W, R1, R2, 40000), RangeError);
  assert.throws(() => a.mov64Imm(R1, 1.5), RangeError);
});

test("every instruction builder has a golden encoding above", async () => {
  const insn = await import("../../../src/bpf/asm/insn.js");
  const covered = new Set(GOLDEN.map(([name]) => name.split(" ")[0]));
  const builders = Object.entries(insn).filter(([name, v]) => typeof v === "function" && name !== "label").map(([name]) => name);
  assert.ok(builders.length > 100);
  assert.deepEqual(builders.filter((b) => !covered.has(b)), []);
});

// Instructions are immutable values. Jumps name a label; LD_IMM64 may name a map whose fd is
// patched in when the program is marshalled.
import { AluOp, Class, JmpOp, Mode, Size, Source, type AluOpName, type CondJmpName, type Register, type SizeCode } from "./opcodes.js";

/** Anything with a map fd (a map owner). Read at marshal time, so maps can be created later. */
export interface MapRef {
  readonly fd: number;
  readonly name?: string;
}

export type Instruction =
  | { readonly kind: "op"; readonly code: number; readonly dst: Register; readonly src: number; readonly off: number; readonly imm: number; readonly jump?: string }
  | { readonly kind: "ld64"; readonly dst: Register; readonly src: number; readonly value: bigint; readonly map?: MapRef }
  | { readonly kind: "label"; readonly name: string };

function op(code: number, dst: Register, src: number, off: number, imm: number, jump?: string): Instruction {
  return Object.freeze(jump === undefined ? { kind: "op", code, dst, src, off, imm } : { kind: "op", code, dst, src, off, imm, jump });
}
function checkImm(imm: number): number {
  if (!Number.isInteger(imm) || imm < -0x8000_0000 || imm > 0xffff_ffff) throw new RangeError(`immediate ${imm} does not fit in 32 bits`);
  return imm | 0;
}
function checkOff(off: number): number {
  if (!Number.isInteger(off) || off < -0x8000 || off > 0x7fff) throw new RangeError(`offset ${off} does not fit in 16 bits`);
  return off;
}

/** A label marks the next instruction. */
export const label = (name: string): Instruction => Object.freeze({ kind: "label", name });

// ALU: <op>64Imm / <op>64Reg / <op>32Imm / <op>32Reg
const aluImm = (cls: number, o: AluOpName) => (dst: Register, imm: number) => op(cls | AluOp[o] | Source.K, dst, 0, 0, checkImm(imm));
const aluReg = (cls: number, o: AluOpName) => (dst: Register, src: Register) => op(cls | AluOp[o] | Source.X, dst, src, 0, 0);
export const mov64Imm = aluImm(Class.ALU64, "mov"), mov64Reg = aluReg(Class.ALU64, "mov");
export const mov32Imm = aluImm(Class.ALU, "mov"), mov32Reg = aluReg(Class.ALU, "mov");
export const add64Imm = aluImm(Class.ALU64, "add"), add64Reg = aluReg(Class.ALU64, "add");
export const add32Imm = aluImm(Class.ALU, "add"), add32Reg = aluReg(Class.ALU, "add");
export const sub64Imm = aluImm(Class.ALU64, "sub"), sub64Reg = aluReg(Class.ALU64, "sub");
export const sub32Imm = aluImm(Class.ALU, "sub"), sub32Reg = aluReg(Class.ALU, "sub");
export const mul64Imm = aluImm(Class.ALU64, "mul"), mul64Reg = aluReg(Class.ALU64, "mul");
export const mul32Imm = aluImm(Class.ALU, "mul"), mul32Reg = aluReg(Class.ALU, "mul");
export const div64Imm = aluImm(Class.ALU64, "div"), div64Reg = aluReg(Class.ALU64, "div");
export const div32Imm = aluImm(Class.ALU, "div"), div32Reg = aluReg(Class.ALU, "div");
export const mod64Imm = aluImm(Class.ALU64, "mod"), mod64Reg = aluReg(Class.ALU64, "mod");
export const mod32Imm = aluImm(Class.ALU, "mod"), mod32Reg = aluReg(Class.ALU, "mod");
export const or64Imm = aluImm(Class.ALU64, "or"), or64Reg = aluReg(Class.ALU64, "or");
export const or32Imm = aluImm(Class.ALU, "or"), or32Reg = aluReg(Class.ALU, "or");
export const and64Imm = aluImm(Class.ALU64, "and"), and64Reg = aluReg(Class.ALU64, "and");
export const and32Imm = aluImm(Class.ALU, "and"), and32Reg = aluReg(Class.ALU, "and");
export const xor64Imm = aluImm(Class.ALU64, "xor"), xor64Reg = aluReg(Class.ALU64, "xor");
export const xor32Imm = aluImm(Class.ALU, "xor"), xor32Reg = aluReg(Class.ALU, "xor");
export const lsh64Imm = aluImm(Class.ALU64, "lsh"), lsh64Reg = aluReg(Class.ALU64, "lsh");
export const lsh32Imm = aluImm(Class.ALU, "lsh"), lsh32Reg = aluReg(Class.ALU, "lsh");
export const rsh64Imm = aluImm(Class.ALU64, "rsh"), rsh64Reg = aluReg(Class.ALU64, "rsh");
export const rsh32Imm = aluImm(Class.ALU, "rsh"), rsh32Reg = aluReg(Class.ALU, "rsh");
export const arsh64Imm = aluImm(Class.ALU64, "arsh"), arsh64Reg = aluReg(Class.ALU64, "arsh");
export const arsh32Imm = aluImm(Class.ALU, "arsh"), arsh32Reg = aluReg(Class.ALU, "arsh");
export const neg32 = (dst: Register): Instruction => op(Class.ALU | AluOp.neg, dst, 0, 0, 0);
export const neg64 = (dst: Register): Instruction => op(Class.ALU64 | AluOp.neg, dst, 0, 0, 0);

// Jumps: <cond>Imm / <cond>Reg (64-bit) and <cond>32Imm / <cond>32Reg (JMP32, kernel 5.1)
const jImm = (cls: number, o: CondJmpName) => (dst: Register, imm: number, target: string) => op(cls | JmpOp[o] | Source.K, dst, 0, 0, checkImm(imm), target);
const jReg = (cls: number, o: CondJmpName) => (dst: Register, src: Register, target: string) => op(cls | JmpOp[o] | Source.X, dst, src, 0, 0, target);
export const jeqImm = jImm(Class.JMP, "jeq"), jeqReg = jReg(Class.JMP, "jeq"), jeq32Imm = jImm(Class.JMP32, "jeq"), jeq32Reg = jReg(Class.JMP32, "jeq");
export const jneImm = jImm(Class.JMP, "jne"), jneReg = jReg(Class.JMP, "jne"), jne32Imm = jImm(Class.JMP32, "jne"), jne32Reg = jReg(Class.JMP32, "jne");
export const jgtImm = jImm(Class.JMP, "jgt"), jgtReg = jReg(Class.JMP, "jgt"), jgt32Imm = jImm(Class.JMP32, "jgt"), jgt32Reg = jReg(Class.JMP32, "jgt");
export const jgeImm = jImm(Class.JMP, "jge"), jgeReg = jReg(Class.JMP, "jge"), jge32Imm = jImm(Class.JMP32, "jge"), jge32Reg = jReg(Class.JMP32, "jge");
export const jltImm = jImm(Class.JMP, "jlt"), jltReg = jReg(Class.JMP, "jlt"), jlt32Imm = jImm(Class.JMP32, "jlt"), jlt32Reg = jReg(Class.JMP32, "jlt");
export const jleImm = jImm(Class.JMP, "jle"), jleReg = jReg(Class.JMP, "jle"), jle32Imm = jImm(Class.JMP32, "jle"), jle32Reg = jReg(Class.JMP32, "jle");
export const jsetImm = jImm(Class.JMP, "jset"), jsetReg = jReg(Class.JMP, "jset"), jset32Imm = jImm(Class.JMP32, "jset"), jset32Reg = jReg(Class.JMP32, "jset");
export const jsgtImm = jImm(Class.JMP, "jsgt"), jsgtReg = jReg(Class.JMP, "jsgt"), jsgt32Imm = jImm(Class.JMP32, "jsgt"), jsgt32Reg = jReg(Class.JMP32, "jsgt");
export const jsgeImm = jImm(Class.JMP, "jsge"), jsgeReg = jReg(Class.JMP, "jsge"), jsge32Imm = jImm(Class.JMP32, "jsge"), jsge32Reg = jReg(Class.JMP32, "jsge");
export const jsltImm = jImm(Class.JMP, "jslt"), jsltReg = jReg(Class.JMP, "jslt"), jslt32Imm = jImm(Class.JMP32, "jslt"), jslt32Reg = jReg(Class.JMP32, "jslt");
export const jsleImm = jImm(Class.JMP, "jsle"), jsleReg = jReg(Class.JMP, "jsle"), jsle32Imm = jImm(Class.JMP32, "jsle"), jsle32Reg = jReg(Class.JMP32, "jsle");
export const ja = (target: string): Instruction => op(Class.JMP | JmpOp.ja, 0, 0, 0, 0, target);
export const call = (helper: number): Instruction => op(Class.JMP | JmpOp.call, 0, 0, 0, checkImm(helper));
export const exit = (): Instruction => op(Class.JMP | JmpOp.exit, 0, 0, 0, 0);

// Memory: ldx dst = *(size *)(src + off); stx *(size *)(dst + off) = src; st *(size *)(dst + off) = imm
export const ldx = (size: SizeCode, dst: Register, src: Register, off: number) => op(Class.LDX | Mode.MEM | size, dst, src, checkOff(off), 0);
export const stx = (size: SizeCode, dst: Register, off: number, src: Register) => op(Class.STX | Mode.MEM | size, dst, src, checkOff(off), 0);
export const st = (size: SizeCode, dst: Register, off: number, imm: number) => op(Class.ST | Mode.MEM | size, dst, 0, checkOff(off), checkImm(imm));
/** lock *(size *)(dst + off) += src; W or DW only. */
export const atomicAdd = (size: typeof Size.W | typeof Size.DW, dst: Register, off: number, src: Register) => op(Class.STX | Mode.ATOMIC | size, dst, src, checkOff(off), AluOp.add);
export const ldxDW = (dst: Register, src: Register, off: number) => ldx(Size.DW, dst, src, off);
export const ldxW = (dst: Register, src: Register, off: number) => ldx(Size.W, dst, src, off);
export const stxDW = (dst: Register, off: number, src: Register) => stx(Size.DW, dst, off, src);
export const stxW = (dst: Register, off: number, src: Register) => stx(Size.W, dst, off, src);

// LD_IMM64: the one two-slot instruction.
export const ld64 = (dst: Register, value: bigint): Instruction => Object.freeze({ kind: "ld64", dst, src: 0, value: BigInt.asUintN(64, value) });
/** dst = map (CONST_PTR_TO_MAP), for helper arguments. BPF_PSEUDO_MAP_FD. */
export const ldMapFd = (dst: Register, map: MapRef): Instruction => Object.freeze({ kind: "ld64", dst, src: 1, value: 0n, map });
/** dst = &value[0] + offset of an ARRAY map (PTR_TO_MAP_VALUE, never null). BPF_PSEUDO_MAP_VALUE, 5.2. */
export const ldMapValue = (dst: Register, map: MapRef, offset: number): Instruction => Object.freeze({ kind: "ld64", dst, src: 2, value: BigInt(offset) << 32n, map });

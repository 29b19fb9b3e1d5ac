// Marshal instructions to bytes: resolve labels to slot offsets and patch map fds.
import { ToolError } from "../../errors.js";
import type { Instruction } from "./insn.js";

export class AsmError extends ToolError {
  constructor(message: string) {
    super("internal", `assemble: ${message}`);
  }
}

function slots(i: Instruction): number {
  switch (i.kind) {
    case "op": return 1;
    case "ld64": return 2;
    case "label": return 0;
  }
}

/** Encode a program. Jump offsets count 8-byte slots from the next instruction. */
export function marshal(program: readonly Instruction[]): Buffer {
  const labels = new Map<string, number>();
  let pc = 0;
  for (const i of program) {
    if (i.kind === "label") {
      if (labels.has(i.name)) throw new AsmError(`label "${i.name}" defined twice`);
      labels.set(i.name, pc);
    }
    pc += slots(i);
  }
  const out = Buffer.alloc(pc * 8);
  pc = 0;
  for (const i of program) {
    const at = pc * 8;
    switch (i.kind) {
      case "label": break;
      case "op": {
        let off = i.off;
        if (i.jump !== undefined) {
          const target = labels.get(i.jump);
          if (target === undefined) throw new AsmError(`unknown label "${i.jump}" (jump at slot ${pc})`);
          off = target - (pc + 1);
          if (off < -0x8000 || off > 0x7fff) throw new AsmError(`jump to "${i.jump}" is out of range`);
        }
        encode(out, at, i.code, i.dst, i.src, off, i.imm);
        break;
      }
      case "ld64": {
        let lo = Number(i.value & 0xffff_ffffn) | 0;
        if (i.map !== undefined) {
          if (i.map.fd < 0) throw new AsmError(`map ${i.map.name ?? ""} is closed`);
          lo = i.map.fd;
        }
        encode(out, at, 0x18, i.dst, i.src, 0, lo);
        encode(out, at + 8, 0, 0, 0, 0, Number(i.value >> 32n) | 0);
        break;
      }
    }
    pc += slots(i);
  }
  return out;
}

function encode(out: Buffer, at: number, code: number, dst: number, src: number, off: number, imm: number): void {
  out[at] = code;
  out[at + 1] = (src << 4) | dst; // little-endian bit-field order (x86_64, arm64)
  out.writeInt16LE(off, at + 2);
  out.writeInt32LE(imm | 0, at + 4);
}

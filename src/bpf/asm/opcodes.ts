// eBPF opcode bits (include/uapi/linux/bpf_common.h, bpf.h; RFC 9669).
export const Class = { LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, JMP32: 0x06, ALU64: 0x07 } as const;
export const Size = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;
export type SizeCode = (typeof Size)[keyof typeof Size];
export const Mode = { IMM: 0x00, MEM: 0x60, ATOMIC: 0xc0 } as const;
export const Source = { K: 0x00, X: 0x08 } as const;

export const AluOp = {
  add: 0x00, sub: 0x10, mul: 0x20, div: 0x30, or: 0x40, and: 0x50, lsh: 0x60, rsh: 0x70,
  neg: 0x80, mod: 0x90, xor: 0xa0, mov: 0xb0, arsh: 0xc0,
} as const;
export type AluOpName = keyof typeof AluOp;

export const JmpOp = {
  ja: 0x00, jeq: 0x10, jgt: 0x20, jge: 0x30, jset: 0x40, jne: 0x50, jsgt: 0x60, jsge: 0x70,
  call: 0x80, exit: 0x90, jlt: 0xa0, jle: 0xb0, jslt: 0xc0, jsle: 0xd0,
} as const;
export type CondJmpName = Exclude<keyof typeof JmpOp, "ja" | "call" | "exit">;

/** Registers. R10 is the read-only frame pointer. */
export const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10;
export type Register = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

/** Helper ids (___BPF_FUNC_MAPPER, include/uapi/linux/bpf.h; append-only uapi). */
export const Helper = {
  MapLookupElem: 1, MapUpdateElem: 2, MapDeleteElem: 3, KtimeGetNs: 5, TracePrintk: 6,
  GetSmpProcessorId: 8, TailCall: 12, GetCurrentPidTgid: 14, GetCurrentComm: 16, PerfEventOutput: 25,
  GetStackid: 27, GetCurrentTask: 35, GetStack: 67, ProbeReadKernel: 113, GetNsCurrentPidTgid: 120, KtimeGetBootNs: 125,
  RingbufOutput: 130, RingbufReserve: 131, RingbufSubmit: 132, RingbufDiscard: 133, RingbufQuery: 134,
} as const;

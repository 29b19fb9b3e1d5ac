// 3.13+: the target publishes its own offsets in _PyRuntime.debug_offsets (_Py_DebugOffsets,
// Include/internal/pycore_runtime.h 3.13, pycore_debug_offsets.h 3.14). The struct itself is
// only stable within a minor version, so each minor has its own table of field positions.
import { ToolError } from "../../errors.js";
import { u64 } from "../bytes.js";
import type { AsyncioLayout, PythonLayout, PythonVersion } from "./types.js";

/** Positions (bytes) of the u64 fields we use inside _Py_DebugOffsets, per minor version. */
interface DoPositions {
  size: number;
  interpretersHead: number;
  interpNext: number; threadsHead: number; modules: number; gilLocked: number; gilHolder: number;
  tsSize: number; tsNext: number; currentFrame: number; threadId: number; nativeThreadId: number; datastackChunk: number;
  frameSize: number; previous: number; executable: number; instrPtr: number; localsplus: number; owner: number;
  stackpointer: number | null;
  filename: number; name: number; qualname: number; linetable: number; firstlineno: number; localsplusnames: number; codeAdaptive: number;
  tupleItem: number; bytesSize: number; bytesSval: number; uniState: number; uniLength: number; uniAsciiSize: number;
  giIframe: number | null;
}

const POS: Record<13 | 14, DoPositions> = {
  // 3.13: 584-byte struct (research notes §2.3, matches v3.13.0 live)
  13: {
    size: 584, interpretersHead: 40,
    interpNext: 64, threadsHead: 72, modules: 88, gilLocked: 136, gilHolder: 144,
    tsSize: 152, tsNext: 168, currentFrame: 184, threadId: 192, nativeThreadId: 200, datastackChunk: 208,
    frameSize: 224, previous: 232, executable: 240, instrPtr: 248, localsplus: 256, owner: 264, stackpointer: null,
    filename: 280, name: 288, qualname: 296, linetable: 304, firstlineno: 312, localsplusnames: 328, codeAdaptive: 344,
    tupleItem: 408, bytesSize: 520, bytesSval: 528, uniState: 544, uniLength: 552, uniAsciiSize: 560,
    giIframe: null,
  },
  // 3.14: 760-byte struct (adds threads_main, code_object_generation, stackpointer, gen_object, …)
  14: {
    size: 760, interpretersHead: 40,
    interpNext: 64, threadsHead: 72, modules: 96, gilLocked: 144, gilHolder: 152,
    tsSize: 176, tsNext: 192, currentFrame: 208, threadId: 216, nativeThreadId: 224, datastackChunk: 232,
    frameSize: 248, previous: 256, executable: 264, instrPtr: 272, localsplus: 280, owner: 288, stackpointer: 296,
    filename: 320, name: 328, qualname: 336, linetable: 344, firstlineno: 352, localsplusnames: 368, codeAdaptive: 384,
    tupleItem: 456, bytesSize: 600, bytesSval: 608, uniState: 624, uniLength: 632, uniAsciiSize: 640,
    giIframe: 680,
  },
};

export const DEBUG_COOKIE = "xdebugpy";

export function debugOffsetsSize(minor: number): number | null {
  return minor === 13 || minor === 14 ? POS[minor].size : null;
}

/** _asyncio's Py_AsyncioModuleDebugOffsets (3.14, section .AsyncioDebug): 13 u64. */
export interface AsyncioDebugOffsets {
  taskName: number; taskCoro: number; tsRunningLoop: number; tsRunningTask: number;
}
export function parseAsyncioDebug(b: Uint8Array): AsyncioDebugOffsets {
  return { taskName: Number(u64(b, 8)), taskCoro: Number(u64(b, 40)), tsRunningLoop: Number(u64(b, 80)), tsRunningTask: Number(u64(b, 88)) };
}

/** 3.14 asyncio layout from _asyncio's debug section (it may only appear once asyncio is imported). */
export function asyncioLayout314(aio: AsyncioDebugOffsets, giIframe: number): AsyncioLayout {
  return {
    loop: { kind: "tstate-field", offset: aio.tsRunningLoop },
    task: { kind: "tstate-field", offset: aio.tsRunningTask },
    taskName: aio.taskName,
    taskCoro: aio.taskCoro,
    genFrame: { kind: "embedded", offset: giIframe },
  };
}

export function layoutFromDebugOffsets(version: PythonVersion, raw: Uint8Array, aio: AsyncioDebugOffsets | null): PythonLayout {
  const minor = version.minor;
  if (minor !== 13 && minor !== 14) throw new ToolError("unsupported-python", `no _Py_DebugOffsets parser for Python 3.${minor}`);
  const p = POS[minor];
  if (raw.length < p.size) throw new ToolError("internal", `_Py_DebugOffsets: ${raw.length} bytes, need ${p.size}`);
  const f = (pos: number): number => {
    const v = u64(raw, pos);
    if (v > 1_000_000n) throw new ToolError("unsupported-python", `_Py_DebugOffsets field @${pos} is ${v}: not a ${version.major}.${minor} layout`);
    return Number(v);
  };
  const tsSize = f(p.tsSize);
  const ascii = f(p.uniAsciiSize);
  let asyncio: AsyncioLayout | null;
  if (minor === 13) {
    asyncio = {
      loop: { kind: "tstate-field", offset: tsSize }, // _PyThreadStateImpl.asyncio_running_loop follows PyThreadState
      task: { kind: "current-tasks-dict" },
      taskName: 128, taskCoro: 120, // TaskObj 3.13.0, checked live
      genFrame: { kind: "embedded", offset: 72 },
    };
  } else asyncio = aio === null ? null : asyncioLayout314(aio, p.giIframe === null ? 72 : f(p.giIframe));
  const sp = p.stackpointer === null ? null : f(p.stackpointer);
  return {
    version,
    model: "interpreter-frame",
    runtime: { interpretersHead: f(p.interpretersHead) },
    interp: { next: f(p.interpNext), threadsHead: f(p.threadsHead), modules: f(p.modules) },
    tstate: {
      // copy only up to the fields the walk needs; asyncio fields past it are read on their own
      size: Math.max(f(p.tsNext), f(p.threadId), f(p.nativeThreadId), f(p.currentFrame), f(p.datastackChunk) + 8) + 8,
      next: f(p.tsNext), threadId: f(p.threadId), nativeThreadId: f(p.nativeThreadId),
      dict: null, top: { kind: "direct", offset: f(p.currentFrame) }, datastackChunk: f(p.datastackChunk),
    },
    frame: {
      size: f(p.localsplus), previous: f(p.previous), code: f(p.executable),
      codeTagMask: ~7n, // 3.14: f_executable is a _PyStackRef; tag bits are low bits, code objects are aligned
      instr: f(p.instrPtr), instrKind: "instr-pointer", owner: f(p.owner),
      ownerNoCode: 3, // 3.13: CSTACK 3; 3.14: INTERPRETER 3, CSTACK 4
      ownerGenerator: 1, localsplus: f(p.localsplus),
      stacktop: sp === null ? { kind: "index", offset: 64 } : { kind: "pointer", offset: sp }, // 3.13 int stacktop @64
      gen: null,
      bottom: { kind: "shim" },
    },
    code: {
      headerSize: f(p.codeAdaptive), filename: f(p.filename), name: f(p.name), qualname: f(p.qualname),
      linetable: f(p.linetable), lineFormat: "locations", firstlineno: f(p.firstlineno),
      codeAdaptive: f(p.codeAdaptive), varnames: f(p.localsplusnames), nlocals: null,
    },
    unicode: { length: f(p.uniLength), state: f(p.uniState), asciiData: ascii, compactData: ascii + 16 },
    bytes: { size: f(p.bytesSize), sval: f(p.bytesSval) },
    tuple: { size: 16, item: f(p.tupleItem) },
    dict: { keys: 32, values: 40, kind: "v311" },
    gil: { kind: "interp", holder: f(p.gilHolder), locked: f(p.gilLocked) },
    asyncio,
    genIframe: p.giIframe === null ? null : f(p.giIframe),
  };
}

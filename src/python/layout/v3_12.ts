// 3.12: like 3.11, frames reordered (f_code first, owner after return_offset), ts fields moved,
// the GIL hangs off interp->ceval.gil. Offsets from v3.12.1 headers, checked live on x86_64.
import type { PythonLayout, PythonVersion } from "./types.js";

export function layout312(version: PythonVersion): PythonLayout {
  return {
    version,
    model: "interpreter-frame",
    runtime: { interpretersHead: 40 },
    interp: { next: 0, threadsHead: 72, modules: 944 },
    tstate: {
      size: 256, next: 8, threadId: 136, nativeThreadId: 144, dict: 112,
      top: { kind: "cframe", cframe: 56, currentFrame: 0 },
      datastackChunk: 232,
    },
    frame: {
      // f_code 0, previous 8, f_funcobj 16, f_globals 24, f_builtins 32, f_locals 40, frame_obj 48,
      // prev_instr 56, stacktop 64, return_offset 68, owner 70, localsplus 72
      size: 72, previous: 8, code: 0, codeTagMask: ~0n, instr: 56, instrKind: "instr-pointer",
      owner: 70, ownerNoCode: 3, ownerGenerator: 1, localsplus: 72, stacktop: { kind: "index", offset: 64 }, gen: null,
      bottom: { kind: "shim" }, // 3.12+: every C→Python entry pushes an owner-CSTACK shim frame
    },
    code: {
      headerSize: 200, filename: 112, name: 120, qualname: 128, linetable: 136, lineFormat: "locations",
      firstlineno: 68, codeAdaptive: 192, varnames: 96, nlocals: null,
    },
    unicode: { length: 16, state: 32, asciiData: 40, compactData: 56 }, // wstr removed in 3.12
    bytes: { size: 16, sval: 32 },
    tuple: { size: 16, item: 24 },
    dict: { keys: 32, values: 40, kind: "v311" },
    gil: { kind: "gil-pointer", interpPtr: 384, holder: 8, locked: 16 }, // _gil_runtime_state {interval; last_holder; locked}
    asyncio: {
      loop: { kind: "tstate-dict", dict: 112, holderLoop: null }, // value is the loop itself in 3.12
      task: { kind: "current-tasks-dict" },
      taskName: 144, taskCoro: 136,
      genFrame: { kind: "embedded", offset: 72 },
    },
  };
}

// 3.11: _PyInterpreterFrame in data-stack chunks, reached through tstate->cframe->current_frame.
// Offsets from Include/internal/pycore_{frame,runtime,interp}.h and Include/cpython/{pystate,code}.h
// at v3.11.7, checked live (research notes §2.2, scripts/gen-legacy-offsets.py) on x86_64.
import type { PythonLayout, PythonVersion } from "./types.js";

export function layout311(version: PythonVersion, arch: "x86_64" | "aarch64" = "x86_64"): PythonLayout {
  return {
    version,
    model: "interpreter-frame",
    runtime: { interpretersHead: 40 },
    interp: { next: 0, threadsHead: 16, modules: 888 },
    tstate: {
      size: 320, next: 8, threadId: 152, nativeThreadId: 160, dict: 128,
      top: { kind: "cframe", cframe: 56, currentFrame: 8 }, // _PyCFrame {use_tracing u8; current_frame}
      datastackChunk: 296, // datastack_top at 304
    },
    frame: {
      // f_func 0, f_globals 8, f_builtins 16, f_locals 24, f_code 32, frame_obj 40, previous 48,
      // prev_instr 56, stacktop 64, is_entry 68, owner 69, localsplus 72
      size: 72, previous: 48, code: 32, codeTagMask: ~0n, instr: 56, instrKind: "instr-pointer",
      owner: 69, ownerNoCode: 3, ownerGenerator: 1, localsplus: 72, stacktop: { kind: "index", offset: 64 }, gen: null,
      bottom: { kind: "entry-flag", offset: 68 }, // the thread's first frame was entered from C: is_entry
    },
    code: {
      headerSize: 192, filename: 112, name: 120, qualname: 128, linetable: 136, lineFormat: "locations",
      firstlineno: 72, codeAdaptive: 184, varnames: 96, nlocals: null, // co_localsplusnames @96
    },
    unicode: { length: 16, state: 32, asciiData: 48, compactData: 72 },
    bytes: { size: 16, sval: 32 },
    tuple: { size: 16, item: 24 },
    dict: { keys: 32, values: 40, kind: "v311" },
    gil: { kind: "runtime-current", offset: arch === "aarch64" ? 592 : 576 }, // _PyRuntime.gilstate.tstate_current (py-spy get_tstate_current_offset)
    asyncio: {
      loop: { kind: "tstate-dict", dict: 128, holderLoop: 16 },
      task: { kind: "current-tasks-dict" },
      taskName: 144, taskCoro: 136, // TaskObj, checked live on 3.11.7
      genFrame: { kind: "embedded", offset: 80 }, // gi_iframe
    },
  };
}

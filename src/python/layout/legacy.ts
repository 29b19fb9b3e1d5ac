// 3.8–3.10: PyFrameObject-based frames. Offsets from Include/cpython/{pystate,frameobject,code}.h
// at v3.8.18/v3.9.18/v3.10.13, each re-derived live by scripts/gen-legacy-offsets.py (x86_64).
import type { PythonLayout, PythonVersion } from "./types.js";

const minorTable = {
  // 3.8: PyInterpreterState.modules at 56; gilstate.tstate_current at _PyRuntime+1368.
  8: { taskCoro: 112, taskName: 120, modules: 56, tstateCurrent: 1368, lasti: 104, instrKind: "lasti-bytes", localsplus: 360, gen: 96, lineFormat: "lnotab" },
  // 3.9: interp grew (ceval state moved in): modules at 856; tstate_current at 568.
  9: { taskCoro: 152, taskName: 160, modules: 856, tstateCurrent: 568, lasti: 104, instrKind: "lasti-bytes", localsplus: 360, gen: 96, lineFormat: "lnotab" },
  // 3.10: f_stacktop became int f_stackdepth, so f_gen/f_lasti moved up by 8; f_lasti counts
  // 2-byte code units; co_lnotab replaced by co_linetable (same slot, new format).
  10: { taskCoro: 160, taskName: 168, modules: 856, tstateCurrent: 568, lasti: 96, instrKind: "lasti-units", localsplus: 352, gen: 88, lineFormat: "linetable310" },
} as const;

export function legacyLayout(version: PythonVersion, t: (typeof minorTable)[8 | 9 | 10]): PythonLayout {
  return {
    version,
    model: "frame-object",
    runtime: { interpretersHead: 32 },
    interp: { next: 0, threadsHead: 8, modules: t.modules },
    tstate: { size: 184, next: 8, threadId: 176, nativeThreadId: null, dict: 152, top: { kind: "direct", offset: 24 }, datastackChunk: null },
    frame: {
      size: t.localsplus, previous: 24, code: 32, codeTagMask: ~0n, instr: t.lasti, instrKind: t.instrKind,
      owner: null, ownerNoCode: 3, ownerGenerator: 1, localsplus: t.localsplus, stacktop: null, gen: t.gen,
      // heap frames: a frame being freed (to co_zombieframe) has refcount 0
      bottom: { kind: "live-refcount" },
    },
    code: {
      headerSize: 128, filename: 104, name: 112, qualname: null, linetable: 120, lineFormat: t.lineFormat,
      firstlineno: 40, codeAdaptive: null, varnames: 72, nlocals: 28,
    },
    unicode: { length: 16, state: 32, asciiData: 48, compactData: 72 }, // wstr fields still present before 3.12
    bytes: { size: 16, sval: 32 },
    tuple: { size: 16, item: 24 },
    dict: { keys: 32, values: 40, kind: "v36" },
    gil: { kind: "runtime-current", offset: t.tstateCurrent },
    asyncio: {
      // _asyncio keeps a _RunningLoopHolder {rl_loop @16} under a key in the thread-state dict.
      loop: { kind: "tstate-dict", dict: 152, holderLoop: 16 },
      task: { kind: "current-tasks-dict" },
      taskName: t.taskName, // TaskObj fields, found live by scripts/gen-legacy-offsets.py
      taskCoro: t.taskCoro,
      genFrame: { kind: "pointer", offset: 16 }, // PyGenObject.gi_frame
    },
  };
}

export function layoutFor38to310(version: PythonVersion): PythonLayout | null {
  const m = version.minor;
  return m === 8 || m === 9 || m === 10 ? legacyLayout(version, minorTable[m]) : null;
}

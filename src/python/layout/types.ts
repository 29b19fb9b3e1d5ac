// PythonLayout: every version difference the readers need, as data. One table per version
// (v3_8.ts … v3_12.ts) or parsed from the target's _Py_DebugOffsets (debug-offsets.ts, 3.13+);
// choose.ts is the one place that picks. Offsets are bytes on a 64-bit (LP64) target.

export interface PythonVersion {
  major: number;
  minor: number;
  micro: number;
  hex: number;
}

/** 3.8–3.10 chain heap PyFrameObjects; 3.11+ chain _PyInterpreterFrames in data-stack chunks. */
export type FrameModel = "frame-object" | "interpreter-frame";

/** How the instruction pointer of a frame is stored. */
export type InstrKind =
  | "lasti-bytes" // 3.8/3.9: int f_lasti, a byte offset
  | "lasti-units" // 3.10: int f_lasti, in 2-byte code units
  | "instr-pointer"; // 3.11/3.12 prev_instr, 3.13+ instr_ptr: an address inside co_code_adaptive

/** Line table encodings: co_lnotab (3.8/3.9), co_linetable (3.10), location table (3.11+). */
export type LineFormat = "lnotab" | "linetable310" | "locations";

export type TopFrame =
  | { kind: "direct"; offset: number } // tstate field points at the innermost frame
  | { kind: "cframe"; cframe: number; currentFrame: number }; // 3.11/3.12: tstate->cframe->current_frame

export type GilLayout =
  | { kind: "runtime-current"; offset: number } // 3.8–3.11: _PyRuntime.gilstate.tstate_current
  | { kind: "gil-pointer"; interpPtr: number; holder: number; locked: number } // 3.12: interp->ceval.gil
  | { kind: "interp"; holder: number; locked: number }; // 3.13+: interp->_gil (DebugOffsets)

export type RunningLoop =
  | { kind: "tstate-dict"; dict: number; holderLoop: number | null } // ≤3.12: ts dict key; ≤3.11 via _RunningLoopHolder
  | { kind: "tstate-field"; offset: number }; // 3.13+: _PyThreadStateImpl.asyncio_running_loop

export type RunningTask =
  | { kind: "current-tasks-dict" } // ≤3.13: asyncio.tasks._current_tasks[loop]
  | { kind: "tstate-field"; offset: number }; // 3.14: _PyThreadStateImpl.asyncio_running_task

export interface AsyncioLayout {
  loop: RunningLoop;
  task: RunningTask;
  taskName: number; // TaskObj.task_name
  taskCoro: number; // TaskObj.task_coro
  genFrame: { kind: "embedded"; offset: number } | { kind: "pointer"; offset: number }; // gi_iframe / gi_frame
}

export interface PythonLayout {
  readonly version: PythonVersion;
  readonly model: FrameModel;
  readonly runtime: { interpretersHead: number };
  readonly interp: { next: number; threadsHead: number; modules: number | null };
  readonly tstate: {
    size: number; // bytes copied per thread state (covers every field below)
    next: number;
    threadId: number; // pthread_t
    nativeThreadId: number | null; // 3.11+; before: read from glibc's struct pthread
    dict: number | null;
    top: TopFrame;
    datastackChunk: number | null; // 3.11+: _PyStackChunk*; datastack_top follows it
  };
  readonly frame: {
    size: number; // bytes to read per frame (header up to localsplus)
    previous: number;
    code: number;
    codeTagMask: bigint; // 3.14 _PyStackRef tag bits cleared with this mask
    instr: number;
    instrKind: InstrKind;
    owner: number | null; // 3.11+: char owner
    ownerNoCode: number; // frames with owner >= this carry no Python code (shim / C stack)
    ownerGenerator: number; // owner value of generator/coroutine frames
    localsplus: number;
    stacktop: { kind: "index"; offset: number } | { kind: "pointer"; offset: number } | null;
    gen: number | null; // 3.8–3.10 f_gen
    /** How a complete chain ends (torn reads often end early on a NULL `previous`). */
    bottom: { kind: "shim" } | { kind: "entry-flag"; offset: number } | { kind: "live-refcount" };
  };
  readonly code: {
    headerSize: number; // bytes copied per code object
    filename: number;
    name: number;
    qualname: number | null; // 3.11+
    linetable: number;
    lineFormat: LineFormat;
    firstlineno: number;
    codeAdaptive: number | null; // 3.11+: start of the instructions inside the code object
    varnames: number; // 3.8–3.10 co_varnames; 3.11+ co_localsplusnames
    nlocals: number | null; // 3.8–3.10: co_nlocals (fast locals are the first n names)
  };
  readonly unicode: { length: number; state: number; asciiData: number; compactData: number };
  readonly bytes: { size: number; sval: number };
  readonly tuple: { size: number; item: number };
  readonly dict: DictLayout;
  readonly gil: GilLayout;
  readonly asyncio: AsyncioLayout | null; // 3.14: null until _asyncio (and its debug section) is loaded
  readonly genIframe?: number | null; // 3.14: PyGenObject.gi_iframe from _Py_DebugOffsets
}

/** PyDictObject / PyDictKeysObject, stable 3.11–3.14 (py-spy DictIterator); 3.8–3.10 differ. */
export interface DictLayout {
  keys: number; // ma_keys
  values: number; // ma_values (split tables)
  kind: "v311" | "v36"; // 3.11+: dk_log2_size/dk_log2_index_bytes/dk_kind; 3.6–3.10: dk_size/dk_nentries
}

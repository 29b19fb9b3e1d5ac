// LivePython: the PythonProcess of a running target. Every sample is built from fresh reads;
// torn reads are retried twice and then reported as status "torn", never thrown.
import { u64 } from "./bytes.js";
import { CodeCache } from "./code.js";
import { FrameWalker, type RawFrame } from "./frames.js";
import { gilHolder } from "./gil.js";
import type { PythonLayout, PythonVersion } from "./layout/types.js";
import { AddressSpace, type Mapping, readMaps } from "./maps.js";
import type { InterpreterImage } from "./locate.js";
import { type ProcessMemory, TornRead } from "./memory/types.js";
import { ObjectReader } from "./objects.js";
import { SourceCache } from "./source.js";
import { AsyncioReader } from "./asyncio.js";
import { readLocals } from "./locals.js";
import { listThreadStates, PthreadTids, type ThreadRef } from "./threads.js";
import { ThreadNames } from "./names.js";
import type { Frame, FrameWithLocals, PythonProcess, ThreadSample } from "./types.js";

const RETRIES = 2;
/** sampleThread trusts a cached code object for this long before re-checking its identity. */
export const SAMPLE_CODE_MAX_AGE_MS = 200;

export class LivePython implements PythonProcess {
  readonly pid: number;
  readonly version: PythonVersion;
  readonly layout: PythonLayout;
  readonly image: InterpreterImage;
  private readonly mem: ProcessMemory;
  private readonly objs: ObjectReader;
  private readonly codes: CodeCache;
  private readonly walker: FrameWalker;
  private readonly sources: SourceCache;
  private readonly pthreads: PthreadTids;
  private readonly asyncio: AsyncioReader;
  private readonly names: ThreadNames;
  private addressSpace: AddressSpace;
  private mapsAt = Date.now();
  private byTid = new Map<number, ThreadRef>();
  private closed = false;

  constructor(pid: number, mem: ProcessMemory, image: InterpreterImage, layout: PythonLayout, maps: Mapping[]) {
    this.pid = pid;
    this.mem = mem;
    this.image = image;
    this.layout = layout;
    this.version = layout.version;
    this.addressSpace = new AddressSpace(maps);
    this.objs = new ObjectReader(mem, layout);
    this.codes = new CodeCache(this.objs, layout, image.symbols.get("PyCode_Type") ?? null);
    this.walker = new FrameWalker(mem, layout, () => this.addressSpace);
    this.sources = new SourceCache(pid);
    this.pthreads = new PthreadTids(mem, pid);
    this.asyncio = new AsyncioReader(this.objs, layout, pid);
    this.names = new ThreadNames(this.objs, layout);
    this.asyncio.none = image.symbols.get("_Py_NoneStruct") ?? null;
    this.refs(); // prove the thread list reads before anyone relies on it
  }

  /** Thread states of every interpreter, with tids; retried on torn reads. */
  private refs(): ThreadRef[] {
    let last: unknown;
    for (let i = 0; i <= RETRIES; i++) {
      try {
        const refs = listThreadStates(this.mem, this.layout, this.image.runtime);
        this.pthreads.fill(refs);
        this.byTid = new Map(refs.map((r) => [r.tid, r]));
        return refs;
      } catch (e) {
        if (!(e instanceof TornRead)) throw e;
        last = e;
        this.refreshMaps();
      }
    }
    throw last;
  }

  private refreshMaps(): void {
    if (Date.now() - this.mapsAt < 100) return;
    this.mapsAt = Date.now();
    try {
      this.addressSpace = new AddressSpace(readMaps(this.pid));
    } catch {
      // process gone: the next read reports it
    }
  }

  threads(): ThreadSample[] {
    const refs = this.refs();
    const holder = this.gilTstate(refs);
    const names = this.names.read(refs, this.pid);
    return refs.map((r) => this.sample(r, r.tstate === holder, names.get(r.tstate) ?? null, 0, true));
  }

  /**
   * One thread, fast: cached thread state, one data-stack copy, cached code objects (identity
   * re-checked every SAMPLE_CODE_MAX_AGE_MS). `asyncio: true` also reads the loop/running task
   * and the Python thread name (a few more reads; ≤3.13 walks dicts). GIL: gilHolderTid().
   */
  sampleThread(tid: number, opts: { asyncio?: boolean } = {}): ThreadSample | null {
    let ref = this.byTid.get(tid);
    if (ref !== undefined) {
      try {
        const bytes = this.walker.readThread(ref.tstate, this.layout.tstate.size);
        const nt = this.layout.tstate.nativeThreadId;
        const same = nt === null ? bytes.length > 0 && ref.pthread === readPthread(bytes, this.layout) : Number(u64(bytes, nt)) === tid;
        ref = same ? { ...ref, bytes } : undefined;
      } catch (e) {
        if (!(e instanceof TornRead)) throw e;
        ref = undefined;
      }
    }
    if (ref === undefined) {
      try {
        this.refs();
      } catch (e) {
        // the thread list itself kept tearing: a torn sample, not an exception (process gone
        // and permission errors still throw)
        if (!(e instanceof TornRead)) throw e;
        return { tid, name: null, holdsGil: false, loop: false, task: null, frames: [], status: "torn", error: e.message };
      }
      ref = this.byTid.get(tid);
      if (ref === undefined) return null;
    }
    // With asyncio (a sampler asks once per run phase) the Python thread name comes too: CPython
    // < 3.14 leaves the OS thread name as the program's, so this is the name users gave the thread.
    const name = opts.asyncio === true ? this.threadName(ref) : null;
    return this.sample(ref, false, name, SAMPLE_CODE_MAX_AGE_MS, opts.asyncio === true);
  }

  private threadName(ref: ThreadRef): string | null {
    try {
      return this.names.read([ref], this.pid).get(ref.tstate) ?? null;
    } catch (e) {
      if (e instanceof TornRead) return null;
      throw e;
    }
  }

  private sample(ref: ThreadRef, holdsGil: boolean, name: string | null, codeAge: number, withTask: boolean): ThreadSample {
    const nm = name ?? (ref.tid === this.pid ? "MainThread" : null);
    let error = "";
    for (let attempt = 0; attempt <= RETRIES; attempt++) {
      try {
        const ts = attempt === 0 ? ref.bytes : this.mem.read(ref.tstate, this.layout.tstate.size);
        const raw = this.walker.walk(ref.tstate, ts);
        const s: ThreadSample = { tid: ref.tid, name: nm, holdsGil, loop: false, task: null, frames: this.resolve(raw, codeAge), status: "ok" };
        if (withTask) this.addTask({ ...ref, bytes: ts }, s, raw);
        return s;
      } catch (e) {
        if (!(e instanceof TornRead)) throw e;
        error = e.message;
        this.refreshMaps();
      }
    }
    return { tid: ref.tid, name: nm, holdsGil, loop: false, task: null, frames: [], status: "torn", error };
  }

  private resolve(raw: RawFrame[], codeAge = 0): Frame[] {
    if (codeAge > 0) {
      // steady state of a sampler: every code object cached and recently checked
      const now = Date.now();
      const out: Frame[] = [];
      for (let i = 0; i < raw.length; i++) {
        const r = raw[i] as RawFrame; // i < raw.length
        const c = this.codes.freshAt(i, r.code, now, codeAge);
        if (c === undefined) break;
        out.push(this.codes.frame(c, r.offset));
      }
      if (out.length === raw.length) return out;
    }
    const codes = this.codes.resolve(raw.map((r) => r.code), codeAge);
    return raw.map((r, i) => {
      const c = codes[i];
      if (c === undefined) throw new TornRead(BigInt(r.code), 0, "code missing");
      return this.codes.frame(c, r.offset);
    });
  }

  private addTask(ref: ThreadRef, s: ThreadSample, raw: RawFrame[]): void {
    try {
      const t = this.asyncio.read(ref, () => raw, (codes) => this.codes.resolve(codes));
      s.loop = t.loop;
      s.task = t.task;
    } catch (e) {
      if (!(e instanceof TornRead)) throw e;
    }
  }

  private gilTstate(refs: ThreadRef[]): bigint | null {
    const interp = refs[0]?.interp;
    if (interp === undefined) return null;
    try {
      return gilHolder(this.mem, this.layout.gil, this.image.runtime, interp);
    } catch (e) {
      if (e instanceof TornRead) return null;
      throw e;
    }
  }

  gilHolderTid(): number | null {
    const refs = this.refs();
    const ts = this.gilTstate(refs);
    return refs.find((r) => r.tstate === ts)?.tid ?? null;
  }

  framesWithLocals(tid: number): FrameWithLocals[] | null {
    this.refs();
    const ref = this.byTid.get(tid);
    if (ref === undefined) return null;
    for (let attempt = 0; attempt <= RETRIES; attempt++) {
      try {
        const raw = this.walker.walk(ref.tstate, attempt === 0 ? ref.bytes : this.mem.read(ref.tstate, this.layout.tstate.size));
        const frames = this.resolve(raw);
        const codes = this.codes.resolve(raw.map((r) => r.code));
        return frames.map((f, i) => ({ ...f, locals: readLocals(this.objs, this.layout, raw[i], codes[i]) }));
      } catch (e) {
        if (!(e instanceof TornRead)) throw e;
      }
    }
    return null;
  }

  sourceLine(file: string, line: number): string | null {
    return this.sources.line(file, line);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.mem.close();
  }
}

function readPthread(b: Uint8Array, l: PythonLayout): bigint {
  return u64(b, l.tstate.threadId);
}

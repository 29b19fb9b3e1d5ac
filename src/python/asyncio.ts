// asyncio: is this thread running a loop, and which task is it running? (research notes §3)
// 3.14: _PyThreadStateImpl.asyncio_running_loop/_task (offsets from .AsyncioDebug);
// 3.13: running loop after PyThreadState, task from asyncio.tasks._current_tasks[loop];
// ≤3.12: loop under "__asyncio_running_event_loop__" in the thread-state dict.
// The running task's coroutine chain is read off the thread's own stack: the generator-owned
// frames from the task's coroutine frame up to the innermost one.
import { u64 } from "./bytes.js";
import type { CodeInfo } from "./code.js";
import type { RawFrame } from "./frames.js";
import { asyncioLayout314, parseAsyncioDebug } from "./layout/debug-offsets.js";
import type { AsyncioLayout, PythonLayout } from "./layout/types.js";
import { findAsyncioDebug } from "./locate.js";
import { readMaps } from "./maps.js";
import type { ObjectReader } from "./objects.js";
import type { ThreadRef } from "./threads.js";
import type { TaskInfo } from "./types.js";
import { readInt } from "./values.js";

const LOOP_KEY = "__asyncio_running_event_loop__";

export interface AsyncioState {
  loop: boolean;
  task: TaskInfo | null;
}

export class AsyncioReader {
  private readonly objs: ObjectReader;
  private readonly layout: PythonLayout;
  private currentTasks: bigint | null = null; // the _current_tasks dict, found once
  private aio: AsyncioLayout | null;
  private lookedAt = 0;
  private readonly pid: number;
  none: bigint | null = null;

  constructor(objs: ObjectReader, layout: PythonLayout, pid: number) {
    this.objs = objs;
    this.layout = layout;
    this.aio = layout.asyncio;
    this.pid = pid;
  }

  /** 3.14 built with a shared _asyncio: its debug section appears once asyncio is imported. */
  private layoutNow(): AsyncioLayout | null {
    if (this.aio !== null || this.layout.version.minor < 14 || Date.now() - this.lookedAt < 1000) return this.aio;
    this.lookedAt = Date.now();
    try {
      const b = findAsyncioDebug(this.pid, readMaps(this.pid));
      if (b !== null) this.aio = asyncioLayout314(parseAsyncioDebug(b), this.layout.genIframe ?? 72);
    } catch {
      // maps or the module file unreadable right now: try again later
    }
    return this.aio;
  }

  private word(base: bigint, bytes: Uint8Array, off: number): bigint {
    return off + 8 <= bytes.length ? u64(bytes, off) : u64(this.objs.mem.read(base + BigInt(off), 8), 0);
  }

  runningLoop(ref: ThreadRef): bigint | null {
    const a = this.layoutNow();
    if (a === null) return null;
    let loop: bigint | null;
    switch (a.loop.kind) {
      case "tstate-field":
        loop = this.word(ref.tstate, ref.bytes, a.loop.offset) & ~7n;
        break;
      case "tstate-dict": {
        const dict = u64(ref.bytes, a.loop.dict);
        if (dict === 0n) return null;
        const v = this.objs.dictGet(dict, LOOP_KEY);
        if (v === null) return null;
        loop = a.loop.holderLoop === null ? v : u64(this.objs.mem.read(v + BigInt(a.loop.holderLoop), 8), 0);
        break;
      }
    }
    if (loop === 0n || loop === this.none) return null;
    if (this.none === null && this.objs.typeName(loop) === "NoneType") return null;
    return loop;
  }

  read(ref: ThreadRef, walk: () => RawFrame[], resolve: (codes: number[]) => CodeInfo[]): AsyncioState {
    const loop = this.runningLoop(ref);
    if (loop === null) return { loop: false, task: null };
    const a = this.aio;
    if (a === null || a.taskCoro === 0) return { loop: true, task: null };
    const task = this.runningTask(ref, loop);
    if (task === null) return { loop: true, task: null };
    const name = this.taskName(task);
    const coro = u64(this.objs.mem.read(task + BigInt(a.taskCoro), 8), 0);
    return { loop: true, task: { name, coroutines: this.chain(coro, walk(), resolve) } };
  }

  private runningTask(ref: ThreadRef, loop: bigint): bigint | null {
    const a = this.aio;
    if (a === null) return null;
    switch (a.task.kind) {
      case "tstate-field": {
        const t = this.word(ref.tstate, ref.bytes, a.task.offset) & ~7n;
        return t === 0n || t === this.none ? null : t;
      }
      case "current-tasks-dict": {
        const d = this.currentTasksDict(ref.interp);
        if (d === null) return null;
        for (const [k, v] of this.objs.dictItems(d)) if (k === loop) return v;
        return null;
      }
    }
  }

  private currentTasksDict(interp: bigint): bigint | null {
    if (this.currentTasks !== null) return this.currentTasks;
    const off = this.layout.interp.modules;
    if (off === null) return null;
    const modules = u64(this.objs.mem.read(interp + BigInt(off), 8), 0);
    const mod = this.objs.dictGet(modules, "asyncio.tasks");
    if (mod === null) return null;
    const mdDict = u64(this.objs.mem.read(mod + 16n, 8), 0); // PyModuleObject.md_dict
    const d = this.objs.dictGet(mdDict, "_current_tasks");
    if (d !== null && this.objs.typeName(d) === "dict") this.currentTasks = d;
    return this.currentTasks;
  }

  private taskName(task: bigint): string {
    const a = this.aio;
    if (a === null) return "";
    const obj = u64(this.objs.mem.read(task + BigInt(a.taskName), 8), 0) & ~7n;
    if (obj === 0n) return "";
    const t = this.objs.typeName(obj);
    if (t === "str") return this.objs.str(obj);
    if (t === "int") return `Task-${readInt(this.objs, this.layout, obj) ?? "?"}`; // lazily named task (3.13+)
    return `<${t}>`;
  }

  /** Qualnames of the running task's coroutines, outermost first. */
  private chain(coro: bigint, raw: RawFrame[], resolve: (codes: number[]) => CodeInfo[]): string[] {
    const a = this.aio;
    if (a === null || coro === 0n) return [];
    const g = a.genFrame;
    const frame = g.kind === "embedded" ? coro + BigInt(g.offset) : u64(this.objs.mem.read(coro + BigInt(g.offset), 8), 0);
    const k = raw.findIndex((r) => r.frame === Number(frame));
    const f = this.layout.frame;
    const isGen = (r: RawFrame): boolean => (f.gen !== null ? u64(r.buf, r.at + f.gen) !== 0n : r.owner === f.ownerGenerator);
    const picked = k < 0 ? [] : raw.slice(0, k + 1).filter(isGen).reverse();
    if (picked.length === 0) {
      // not on this stack (suspended between steps): name the task's own coroutine
      const code = u64(this.objs.mem.read(frame + BigInt(f.code), 8), 0) & f.codeTagMask;
      return resolve([Number(code)]).map((c) => c.qualname);
    }
    return resolve(picked.map((r) => r.code)).map((c) => c.qualname);
  }
}

// Python thread names: threading._active[ident]._name. `_name` is an instance attribute whose
// storage differs per version (offsets found live with ctypes on each interpreter):
//   3.8–3.10  instance dict at obj + tp_dictoffset (PyTypeObject @288)
//   3.11      managed dict at obj-24, else values array at obj-32 (keys: ht_cached_keys @872)
//   3.12      obj-24 holds a dict, or values-1 (odd: a values array) (ht_cached_keys @880)
//   3.13+     managed dict at obj-24, else inline values at obj + tp_basicsize (+8 header)
// 3.14 also names the OS thread (/proc/PID/task/TID/comm, 15 bytes): used when the above fails.
import { readFileSync } from "node:fs";
import { i64, u64, u8 } from "./bytes.js";
import type { PythonLayout } from "./layout/types.js";
import { TornRead } from "./memory/types.js";
import type { ObjectReader } from "./objects.js";
import type { ThreadRef } from "./threads.js";
import { readInt } from "./values.js";

export class ThreadNames {
  private readonly objs: ObjectReader;
  private readonly layout: PythonLayout;
  private active: bigint | null = null; // threading._active, found once

  constructor(objs: ObjectReader, layout: PythonLayout) {
    this.objs = objs;
    this.layout = layout;
  }

  /** tstate address → name, for the threads that have one. */
  read(refs: ThreadRef[], pid: number): Map<bigint, string> {
    const out = new Map<bigint, string>();
    try {
      const byIdent = this.threadObjects(refs[0]?.interp ?? 0n);
      for (const r of refs) {
        const obj = byIdent.get(Number(r.pthread));
        if (obj === undefined) continue;
        const name = this.attr(obj, "_name");
        if (name !== null && this.objs.typeName(name) === "str") out.set(r.tstate, this.objs.str(name));
      }
    } catch (e) {
      if (!(e instanceof TornRead)) throw e;
    }
    if (this.layout.version.minor >= 14) {
      // 3.14: threading.Thread.start sets the OS thread name (gh-59705)
      for (const r of refs) {
        if (r.tid === pid || out.has(r.tstate)) continue;
        try {
          out.set(r.tstate, readFileSync(`/proc/${pid}/task/${r.tid}/comm`, "utf8").trim());
        } catch {
          // thread exited
        }
      }
    }
    return out;
  }

  /** threading._active as ident → Thread object. */
  private threadObjects(interp: bigint): Map<number, bigint> {
    const out = new Map<number, bigint>();
    if (this.active === null) {
      const off = this.layout.interp.modules;
      if (off === null || interp === 0n) return out;
      const modules = u64(this.objs.mem.read(interp + BigInt(off), 8), 0);
      const mod = this.objs.dictGet(modules, "threading");
      if (mod === null) return out;
      const md = u64(this.objs.mem.read(mod + 16n, 8), 0); // PyModuleObject.md_dict
      this.active = this.objs.dictGet(md, "_active");
      if (this.active === null) return out;
    }
    for (const [k, v] of this.objs.dictItems(this.active)) {
      const ident = readInt(this.objs, this.layout, k);
      if (ident !== null) out.set(ident, v);
    }
    return out;
  }

  private attr(obj: bigint, name: string): bigint | null {
    const mem = this.objs.mem;
    const type = u64(mem.read(obj + 8n, 8), 0);
    const minor = this.layout.version.minor;
    if (minor <= 10) {
      const off = i64(mem.read(type + 288n, 8), 0); // tp_dictoffset
      if (off <= 0n || off > 4096n) return null;
      const dict = u64(mem.read(obj + off, 8), 0);
      return dict === 0n ? null : this.objs.dictGet(dict, name);
    }
    const pre = mem.read(obj - 32n, 32); // [values (3.11)] [managed dict or tagged values]
    const managed = u64(pre, 8);
    let values: bigint;
    if (minor === 12 && (managed & 1n) === 1n) values = managed + 1n; // 3.12 stores (char*)values - 1
    else if (managed !== 0n) return this.objs.dictGet(managed, name);
    else if (minor === 11) values = u64(pre, 0);
    else if (minor >= 13) values = obj + u64(mem.read(type + 32n, 8), 0) + 8n; // inline values after tp_basicsize
    else return null;
    if (values === 0n) return null;
    const keys = u64(mem.read(type + (minor === 11 ? 872n : 880n), 8), 0); // PyHeapTypeObject.ht_cached_keys (after ht_name, ht_slots, ht_qualname)
    const i = this.keyIndex(keys, name);
    if (i === null) return null;
    const v = u64(mem.read(values + BigInt(i * 8), 8), 0);
    return v === 0n ? null : v;
  }

  /** Index of a str key in a shared (split) keys object, 3.11+ layout. */
  private keyIndex(keys: bigint, name: string): number | null {
    if (keys === 0n) return null;
    const kh = this.objs.mem.read(keys, 32);
    const log2Index = u8(kh, 9);
    const n = Number(i64(kh, 24));
    if (log2Index > 32 || n < 0 || n > 4096) return null;
    const e = this.objs.mem.read(keys + 32n + (1n << BigInt(log2Index)), n * 16);
    for (let i = 0; i < n; i++) {
      const k = u64(e, i * 16);
      if (k === 0n) continue;
      try {
        if (this.objs.str(k) === name) return i;
      } catch (err) {
        if (!(err instanceof TornRead)) throw err;
      }
    }
    return null;
  }
}

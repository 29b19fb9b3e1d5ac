// Reading str, bytes, tuple, dict and type names out of the target. Lengths are capped, kinds
// and flags checked: a torn pointer yields a TornRead (retried upstream), never a huge read.
import { cstring, i64, u32, u64, u8 } from "./bytes.js";
import type { PythonLayout } from "./layout/types.js";
import { type ProcessMemory, TornRead } from "./memory/types.js";

export const MAX_STR = 4096; // characters (py-spy uses the same cap)
export const MAX_BYTES = 1 << 16;
const HEAD = 96; // one read covers the header plus short ASCII data

export class ObjectReader {
  readonly mem: ProcessMemory;
  readonly layout: PythonLayout;
  constructor(mem: ProcessMemory, layout: PythonLayout) {
    this.mem = mem;
    this.layout = layout;
  }

  private head(addr: bigint, len: number): Uint8Array {
    try {
      return this.mem.read(addr, len);
    } catch (e) {
      if (e instanceof TornRead && len > 48) return this.mem.read(addr, 48); // object near the end of a mapping
      throw e;
    }
  }

  str(addr: bigint): string {
    if (addr === 0n || (addr & 7n) !== 0n) throw new TornRead(addr, 0, "bad str pointer");
    const u = this.layout.unicode;
    const h = this.head(addr, HEAD);
    const len = Number(i64(h, u.length));
    const state = u32(h, u.state);
    const kind = (state >> 2) & 7, compact = (state >> 5) & 1, ascii = (state >> 6) & 1;
    if (len < 0 || len > MAX_STR || (kind !== 1 && kind !== 2 && kind !== 4)) throw new TornRead(addr, 0, "not a str");
    if (ascii && kind !== 1) throw new TornRead(addr, 0, "not a str");
    const nbytes = len * kind;
    let data: Uint8Array;
    if (compact) {
      const off = ascii ? u.asciiData : u.compactData;
      data = off + nbytes <= h.length ? h.subarray(off, off + nbytes) : this.mem.read(addr + BigInt(off), nbytes);
    } else {
      const p = u64(h, u.compactData); // legacy (non-compact) string: data.any pointer
      data = this.mem.read(p, nbytes);
    }
    return decodeUnicode(data, kind);
  }

  bytes(addr: bigint, cap = MAX_BYTES): Uint8Array {
    if (addr === 0n || (addr & 7n) !== 0n) throw new TornRead(addr, 0, "bad bytes pointer");
    const b = this.layout.bytes;
    const h = this.head(addr, HEAD);
    const len = Number(i64(h, b.size));
    if (len < 0 || len > cap) throw new TornRead(addr, 0, "not a bytes");
    return b.sval + len <= h.length ? h.slice(b.sval, b.sval + len) : this.mem.read(addr + BigInt(b.sval), len);
  }

  /** Items of a tuple (pointers), capped. */
  tuple(addr: bigint, cap = 4096): bigint[] {
    const t = this.layout.tuple;
    const h = this.mem.read(addr, t.item);
    const n = Number(i64(h, t.size));
    if (n < 0 || n > cap) throw new TornRead(addr, 0, "not a tuple");
    if (n === 0) return [];
    const items = this.mem.read(addr + BigInt(t.item), n * 8);
    const out: bigint[] = [];
    for (let i = 0; i < n; i++) out.push(u64(items, i * 8));
    return out;
  }

  typeName(obj: bigint): string {
    const type = u64(this.mem.read(obj + 8n, 8), 0);
    const namePtr = u64(this.mem.read(type + 24n, 8), 0); // PyTypeObject.tp_name (const char*)
    return cstring(this.mem.read(namePtr, 64));
  }

  /** (key, value) pointer pairs of a dict, combined or split table, capped. */
  dictItems(dict: bigint, cap = 4096): [bigint, bigint][] {
    const d = this.layout.dict;
    const h = this.mem.read(dict, 48);
    const keys = u64(h, d.keys), values = u64(h, d.values);
    const kh = this.mem.read(keys, 48);
    let nentries: number, entriesAt: bigint, entrySize: number, keyOff: number, valOff: number;
    if (d.kind === "v311") {
      // 3.11+: dk_log2_size @8, dk_log2_index_bytes @9, dk_kind @10, dk_nentries @24, indices @32
      const log2Index = u8(kh, 9), kind = u8(kh, 10);
      nentries = Number(i64(kh, 24));
      if (log2Index > 32) throw new TornRead(keys, 0, "bad dict keys");
      entriesAt = keys + 32n + (1n << BigInt(log2Index));
      const unicode = kind !== 0; // DICT_KEYS_UNICODE / SPLIT: {key, value}; GENERAL: {hash, key, value}
      entrySize = unicode ? 16 : 24;
      keyOff = unicode ? 0 : 8;
      valOff = unicode ? 8 : 16;
    } else {
      // 3.6–3.10: dk_size @8, dk_nentries @32, indices @40 (1/2/4/8-byte slots by size)
      const size = Number(i64(kh, 8));
      nentries = Number(i64(kh, 32));
      if (size <= 0 || size > 1 << 24) throw new TornRead(keys, 0, "bad dict keys");
      const ix = size <= 0xff ? 1 : size <= 0xffff ? 2 : size <= 0xffffffff ? 4 : 8;
      entriesAt = keys + 40n + BigInt(size * ix);
      entrySize = 24;
      keyOff = 8;
      valOff = 16;
    }
    if (nentries < 0 || nentries > cap) throw new TornRead(keys, 0, "bad dict size");
    if (nentries === 0) return [];
    const e = this.mem.read(entriesAt, nentries * entrySize);
    const vals = values !== 0n ? this.mem.read(values, nentries * 8) : null; // split table: values array
    const out: [bigint, bigint][] = [];
    for (let i = 0; i < nentries; i++) {
      const k = u64(e, i * entrySize + keyOff);
      const v = vals !== null ? u64(vals, i * 8) : u64(e, i * entrySize + valOff);
      if (k !== 0n && v !== 0n) out.push([k, v]);
    }
    return out;
  }

  /** Value of a str-keyed entry of a dict, or null. */
  dictGet(dict: bigint, key: string): bigint | null {
    for (const [k, v] of this.dictItems(dict)) {
      try {
        if (this.str(k) === key) return v;
      } catch (e) {
        if (!(e instanceof TornRead)) throw e; // non-str key
      }
    }
    return null;
  }
}

export function decodeUnicode(data: Uint8Array, kind: number): string {
  if (kind === 1) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1");
  if (kind === 2) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf16le");
  let s = "";
  for (let i = 0; i + 3 < data.length; i += 4) {
    const cp = ((data[i] ?? 0) | ((data[i + 1] ?? 0) << 8) | ((data[i + 2] ?? 0) << 16) | ((data[i + 3] ?? 0) << 24)) >>> 0;
    s += cp <= 0x10ffff ? String.fromCodePoint(cp) : "\ufffd";
  }
  return s;
}

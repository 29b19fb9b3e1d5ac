// Code objects: read once (name, qualname, file, first line, line table), cached by address and
// re-validated on every hit by comparing the pointer words that identify them (one batched read
// for a whole stack), so a freed-and-reused address is noticed.
import { i32, u64 } from "./bytes.js";
import type { PythonLayout } from "./layout/types.js";
import { lineFor } from "./linetable.js";
import { readMany, TornRead } from "./memory/types.js";
import type { ObjectReader } from "./objects.js";
import type { Frame } from "./types.js";

export interface CodeInfo {
  readonly addr: bigint;
  readonly name: string;
  readonly qualname: string; // co_qualname on 3.11+, co_name before
  readonly filename: string;
  readonly firstLine: number;
  readonly table: Uint8Array;
  readonly key: Uint8Array; // the identity words as read
  readonly header: Uint8Array;
  readonly lines: Map<number, number | null>;
  readonly frames: Map<number, Readonly<Frame>>; // frozen Frame per instruction offset, shared by samples
  checkedAt: number; // Date.now() of the last identity check
}

const MAX_CACHE = 8192;

export class CodeCache {
  private readonly map = new Map<number, CodeInfo>(); // keyed by address as a number (hot path)
  private readonly keyOff: number;
  private readonly keyLen: number;
  private readonly objs: ObjectReader;
  private readonly layout: PythonLayout;
  private readonly codeType: bigint | null;
  // freshAt's memo: the entry last found for stack position i, valid while `gen` (bumped on
  // every removal from the map) is unchanged
  private gen = 0;
  private readonly memoAddr: number[] = [];
  private readonly memoGen: number[] = [];
  private readonly memoInfo: CodeInfo[] = [];

  constructor(objs: ObjectReader, layout: PythonLayout, codeType: bigint | null) {
    this.objs = objs;
    this.layout = layout;
    this.codeType = codeType;
    const c = layout.code;
    const offs = [c.filename, c.name, c.linetable, ...(c.qualname === null ? [] : [c.qualname])];
    this.keyOff = Math.min(...offs);
    this.keyLen = Math.max(...offs) + 8 - this.keyOff;
  }

  /**
   * Resolve many code objects: misses are read; hits not checked within `maxAgeMs` are
   * re-validated in one batched read. The age bound keeps a 1 kHz sampler cheap (a code object
   * freed and its address reused by another one is rare) while dump passes 0 (check all).
   */
  resolve(addrs: readonly number[], maxAgeMs = 0): CodeInfo[] {
    const hits: CodeInfo[] = [];
    const now = Date.now();
    for (const a of addrs) {
      const h = this.map.get(a);
      if (h !== undefined && now - h.checkedAt >= maxAgeMs && !hits.includes(h)) hits.push(h);
    }
    if (hits.length > 0) {
      const got = readMany(this.objs.mem, hits.map((h) => ({ addr: h.addr + BigInt(this.keyOff), len: this.keyLen })));
      hits.forEach((h, i) => {
        const g = got[i];
        if (g === null || g === undefined || !sameBytes(g, h.key)) {
          this.map.delete(Number(h.addr));
          this.gen++;
        }
        else h.checkedAt = now;
      });
    }
    return addrs.map((a) => this.map.get(a) ?? this.load(a));
  }

  /** Cached and checked within `maxAgeMs` of `now`, else undefined (hot path, no allocation). */
  fresh(addr: number, now: number, maxAgeMs: number): CodeInfo | undefined {
    const h = this.map.get(addr);
    return h !== undefined && now - h.checkedAt < maxAgeMs ? h : undefined;
  }

  /** fresh() for the code of stack position `i`: a sampler's stack mostly repeats, so no hashing. */
  freshAt(i: number, addr: number, now: number, maxAgeMs: number): CodeInfo | undefined {
    let h: CodeInfo | undefined;
    if (this.memoAddr[i] === addr && this.memoGen[i] === this.gen) h = this.memoInfo[i];
    else {
      h = this.map.get(addr);
      if (h !== undefined && i <= this.memoAddr.length && i < 4096) {
        this.memoAddr[i] = addr;
        this.memoGen[i] = this.gen;
        this.memoInfo[i] = h;
      }
    }
    return h !== undefined && now - h.checkedAt < maxAgeMs ? h : undefined;
  }

  private load(n: number): CodeInfo {
    if (!Number.isFinite(n) || n === 0 || n % 8 !== 0) throw new TornRead(0n, 0, "bad code pointer");
    const addr = BigInt(n);
    const c = this.layout.code;
    const h = this.objs.mem.read(addr, c.headerSize);
    if (this.codeType !== null && u64(h, 8) !== this.codeType) throw new TornRead(addr, 0, "not a code object");
    const name = this.objs.str(u64(h, c.name));
    const info: CodeInfo = {
      addr,
      name,
      qualname: c.qualname === null ? name : this.objs.str(u64(h, c.qualname)),
      filename: this.objs.str(u64(h, c.filename)),
      firstLine: i32(h, c.firstlineno),
      table: this.objs.bytes(u64(h, c.linetable)),
      key: h.slice(this.keyOff, this.keyOff + this.keyLen),
      header: h,
      lines: new Map(),
      frames: new Map(),
      checkedAt: Date.now(),
    };
    if (this.map.size >= MAX_CACHE) {
      this.map.clear(); // crude bound; code objects are few
      this.gen++;
    }
    this.map.set(n, info);
    return info;
  }

  /** The (frozen, cached) Frame of this code at this instruction offset. */
  frame(info: CodeInfo, byteOffset: number): Readonly<Frame> {
    let f = info.frames.get(byteOffset);
    if (f === undefined) {
      f = Object.freeze({ function: info.qualname, file: info.filename, line: this.line(info, byteOffset) });
      if (info.frames.size < 4096) info.frames.set(byteOffset, f);
    }
    return f;
  }

  line(info: CodeInfo, byteOffset: number): number | null {
    const hit = info.lines.get(byteOffset);
    if (hit !== undefined) return hit;
    const line = lineFor(this.layout.code.lineFormat, info.table, info.firstLine, byteOffset);
    info.lines.set(byteOffset, line);
    return line;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

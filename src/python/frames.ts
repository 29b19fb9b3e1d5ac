// Walk one thread's frame chain into raw (frame, code, offset) triples. 3.11+ frames are read
// from a copy of the thread's data-stack chunks (one read per chunk); anything outside the
// copies (generator frames, 3.8–3.10 heap frames) is read on its own. Every walk is capped.
// Hot path: addresses are handled as numbers here (see bytes.ts ptrn), bigint at the edges.
import { i32, lowBits, ptrn, ptrnMasked, u64 } from "./bytes.js";
import type { PythonLayout } from "./layout/types.js";
import type { AddressSpace } from "./maps.js";
import { type ProcessMemory, TornRead } from "./memory/types.js";

export const MAX_FRAMES = 2048;
const MAX_CHUNK = 1 << 20;

export interface RawFrame {
  frame: number; // address of the frame
  code: number; // address of its code object (tag bits cleared)
  offset: number; // byte offset of the current instruction in the code, -1 if not started
  owner: number; // 3.11+ frame owner; 0 for 3.8–3.10 frames
  buf: Uint8Array; // bytes holding the frame, starting at `at`
  at: number;
}

interface Chunk {
  start: number;
  bytes: Uint8Array;
}
interface Chunks {
  list: Chunk[];
  older: bigint;
  loaded: number;
}

export class FrameWalker {
  private readonly mem: ProcessMemory;
  private readonly layout: PythonLayout;
  private readonly space: () => AddressSpace;
  private readonly headerLen: number;
  private readonly tagMask: number; // low tag bits to clear from f_executable (3.14)
  private copy = new Uint8Array(32 * 1024);
  private fbuf: Uint8Array = this.copy; // frameBytes result (avoids a tuple per frame)
  private fat = 0;
  private misses = 0; // frames of this walk not found in chunk copies
  private missed: number[] = []; // their addresses, this walk
  private readonly lastMissed = new Map<bigint, number[]>(); // per thread state, the previous walk's
  private pre = new Map<number, Uint8Array>(); // frames prefetched with the chunk copy
  private readonly plans = new Map<bigint, { chunk: bigint; len: number; cap: number; topAt: bigint }>(); // last walk per thread
  private primed: { ts: Uint8Array; chunk: bigint; bytes: Uint8Array } | null = null;
  private primedTop: { ts: Uint8Array; at: bigint; word: Uint8Array } | null = null; // 3.11/3.12 cframe->current_frame
  private lastTopAt = 0n;

  /**
   * Read a thread state. In steady state (3.11+, same chunk as last time) the data-stack chunk
   * and the thread's out-of-chunk frames come in the same syscall; walk(ts) then uses them if
   * the thread state confirms the chunk. One syscall per sample instead of two or three.
   */
  readThread(tstate: bigint, size: number): Uint8Array {
    this.primed = null;
    this.primedTop = null;
    const plan = this.plans.get(tstate);
    if (plan === undefined || this.mem.readMany === undefined) return this.mem.read(tstate, size);
    const extras = this.lastMissed.get(tstate) ?? [];
    const got = this.mem.readMany([
      { addr: tstate, len: size },
      { addr: plan.chunk, len: Math.min(plan.cap, plan.len + 2048) },
      { addr: plan.topAt === 0n ? tstate : plan.topAt, len: 8 },
      ...extras.map((x) => ({ addr: BigInt(x), len: this.headerLen })),
    ]);
    const ts = got[0];
    if (ts === null || ts === undefined) return this.mem.read(tstate, size); // reports the real error
    const bytes = got[1], top = got[2];
    if (bytes !== null && bytes !== undefined) {
      this.primed = { ts, chunk: plan.chunk, bytes };
      this.pre = new Map();
      extras.forEach((x, i) => {
        const b = got[i + 3];
        if (b !== null && b !== undefined) this.pre.set(x, b);
      });
    }
    if (plan.topAt !== 0n && top !== null && top !== undefined) this.primedTop = { ts, at: plan.topAt, word: top };
    return ts;
  }

  constructor(mem: ProcessMemory, layout: PythonLayout, space: () => AddressSpace) {
    this.mem = mem;
    this.layout = layout;
    this.space = space;
    const f = layout.frame;
    this.headerLen = Math.max(f.previous, f.code, f.instr, f.owner ?? 0, f.gen ?? 0) + 8;
    this.tagMask = Number(~f.codeTagMask & 0xffn);
  }

  /** Address of the word holding the innermost frame pointer, and its value. */
  topFrame(tstate: bigint, ts: Uint8Array): { at: bigint; frame: bigint } {
    const top = this.layout.tstate.top;
    switch (top.kind) {
      case "direct":
        return { at: tstate + BigInt(top.offset), frame: u64(ts, top.offset) };
      case "cframe": {
        const cf = u64(ts, top.cframe);
        if (cf === 0n) return { at: 0n, frame: 0n };
        const at = cf + BigInt(top.currentFrame);
        const p = this.primedTop;
        this.primedTop = null;
        this.lastTopAt = at;
        // read together with this thread state when the cframe has not moved since last time
        if (p !== null && p.ts === ts && p.at === at) return { at, frame: u64(p.word, 0) };
        return { at, frame: u64(this.mem.read(at, 8), 0) };
      }
    }
  }

  walk(tstate: bigint, ts: Uint8Array): RawFrame[] {
    const f = this.layout.frame;
    this.lastTopAt = 0n;
    const top = this.topFrame(tstate, ts);
    let addr = Number(top.frame);
    this.missed = [];
    const chunks = this.copyChunks(tstate, ts, this.lastMissed.get(tstate) ?? []);
    const out: RawFrame[] = [];
    let seen: Set<number> | null = null; // only frames outside chunk copies; inside, see below
    const adaptive = this.layout.code.codeAdaptive ?? 0;
    let lastOwner = -1;
    let lastBuf: Uint8Array | null = null;
    let lastAt = 0;
    this.misses = 0;
    while (addr !== 0) {
      if (out.length >= MAX_FRAMES) break;
      if (!Number.isFinite(addr) || lowBits(addr, 7) !== 0) throw new TornRead(BigInt(Number.isFinite(addr) ? addr : 0), 0, "bad frame pointer");
      const inChunk = this.frameBytes(addr, chunks);
      const buf = this.fbuf, at = this.fat;
      if (!inChunk) {
        seen ??= new Set();
        if (seen.has(addr)) break; // cycle from a torn read
        seen.add(addr);
      }
      const owner = f.owner === null ? 0 : (buf[at + f.owner] ?? 255);
      if (owner > 7) throw new TornRead(BigInt(addr), 0, "bad frame owner");
      if (f.bottom.kind === "live-refcount") {
        const rc = ptrn(buf, at);
        if (!(rc > 0 && rc < 2 ** 40)) throw new TornRead(BigInt(addr), 0, "frame is being freed");
      }
      lastOwner = owner;
      lastBuf = buf;
      lastAt = at;
      if (owner < f.ownerNoCode) {
        const code = ptrnMasked(buf, at + f.code, this.tagMask); // clear tag bits (3.14 _PyStackRef)
        let offset: number;
        switch (f.instrKind) {
          case "lasti-bytes":
            offset = Math.max(-1, i32(buf, at + f.instr));
            break;
          case "lasti-units": {
            const lasti = i32(buf, at + f.instr);
            offset = lasti < 0 ? -1 : lasti * 2;
            break;
          }
          case "instr-pointer": {
            const d = ptrn(buf, at + f.instr) - (code + adaptive);
            offset = Number.isNaN(d) || d < 0 ? -1 : d;
            break;
          }
        }
        out.push({ frame: addr, code, offset, owner, buf, at });
      }
      const prev = ptrn(buf, at + f.previous);
      // Inside a data-stack chunk a caller always sits below its callee (the stack grows up):
      // anything else is a torn copy, and this also rules out cycles without a set.
      if (inChunk && prev >= addr && prev - addr < (this.fbuf.length - at)) throw new TornRead(BigInt(addr), 0, "frame chain goes up the stack");
      addr = prev;
    }
    if (addr === 0 && lastBuf !== null) this.checkBottom(lastOwner, lastBuf, lastAt);
    if (this.lastMissed.size > 4096) this.lastMissed.clear();
    this.lastMissed.set(tstate, this.missed.slice(0, this.layout.tstate.datastackChunk === null ? 128 : 8));
    // 3.8–3.10 heap frames are read one by one and recycled at the same address
    // (co_zombieframe); re-checking the top frame after the walk would not catch that ABA and
    // triples the torn rate of busy stacks, so a rare stack cut short is accepted instead
    // (measured ≤0.3% under worst-case churn; every frame in it is real).
    return out;
  }

  /** A chain that ends on NULL must end the way a real thread stack does, else it was torn. */
  private checkBottom(owner: number, buf: Uint8Array, at: number): void {
    const b = this.layout.frame.bottom;
    switch (b.kind) {
      case "shim":
        if (owner < this.layout.frame.ownerNoCode) throw new TornRead(0n, 0, "frame chain ends before the entry frame");
        return;
      case "entry-flag":
        if (buf[at + b.offset] !== 1) throw new TornRead(0n, 0, "frame chain ends before the entry frame");
        return;
      case "live-refcount":
        return;
    }
  }

  /** Point fbuf/fat at the frame's bytes; true when they come from a chunk copy. */
  private frameBytes(addr: number, chunks: Chunks): boolean {
    const need = this.layout.frame.size;
    for (;;) {
      for (const c of chunks.list) {
        const off = addr - c.start;
        if (off >= 0 && off + need <= c.bytes.length) {
          this.fbuf = c.bytes;
          this.fat = off;
          return true;
        }
      }
      // Frames outside the copies are mostly one-offs (3.12+ C-stack entry frames, generator
      // frames): read those alone, and copy older chunks only once a deep stack shows up.
      if (++this.misses <= 8 || !this.loadOlder(chunks)) break;
    }
    this.missed.push(addr);
    const pre = this.pre.get(addr);
    if (pre !== undefined) {
      this.fbuf = pre;
      this.fat = 0;
      return false;
    }
    const a = BigInt(addr);
    if (!this.space().has(a, this.headerLen)) throw new TornRead(a, 0, "frame pointer not mapped");
    this.fbuf = this.mem.read(a, this.headerLen);
    this.fat = 0;
    return false;
  }

  /**
   * 3.11+: copy the live part of the current data-stack chunk (older ones load on demand).
   * Frames the previous walk of this thread found outside the chunk (3.12+ C-stack entry
   * frames: the same addresses sample after sample) are fetched in the same syscall.
   */
  private copyChunks(tstate: bigint, ts: Uint8Array, extras: readonly number[]): Chunks {
    const dc = this.layout.tstate.datastackChunk;
    const chunks: Chunks = { list: [], older: 0n, loaded: 0 };
    const primed = this.primed, primedPre = this.pre;
    this.primed = null; // good for the walk right after readThread only
    if (this.pre.size > 0) this.pre = new Map();
    if (dc === null) {
      // 3.8–3.10: heap frames are recycled per code object, so last walk's addresses mostly
      // recur: fetch them all in one syscall (fewer reads, and a more consistent picture).
      if (extras.length > 0 && this.mem.readMany !== undefined) this.prefetchNear(extras);
      return chunks;
    }
    const chunk = u64(ts, dc);
    const end = u64(ts, dc + 8); // datastack_top follows datastack_chunk (3.11–3.14)
    if (chunk === 0n || end <= chunk || end - chunk > BigInt(MAX_CHUNK)) return chunks;
    const len = Number(end - chunk);
    let bytes: Uint8Array;
    if (primed !== null && primed.ts === ts && primed.chunk === chunk && len <= primed.bytes.length) {
      bytes = primed.bytes.subarray(0, len); // read together with this very thread state
      this.pre = primedPre;
    } else if (extras.length > 0 && this.mem.readMany !== undefined) {
      const got = this.mem.readMany([{ addr: chunk, len }, ...extras.map((x) => ({ addr: BigInt(x), len: this.headerLen }))]);
      const first = got[0];
      if (first === null || first === undefined) throw new TornRead(chunk, len, "data-stack chunk unreadable");
      bytes = first;
      extras.forEach((x, i) => {
        const b = got[i + 1];
        if (b !== null && b !== undefined) this.pre.set(x, b);
      });
    } else if (this.mem.readInto !== undefined) {
      // hot path: reuse one buffer per walker (frames from it are used before the next walk)
      if (this.copy.length < len) this.copy = new Uint8Array(Math.max(len, this.copy.length * 2));
      this.mem.readInto(chunk, len, this.copy);
      bytes = this.copy.subarray(0, len);
    } else bytes = this.mem.read(chunk, len);
    chunks.list.push({ start: Number(chunk), bytes });
    chunks.older = u64(bytes, 0); // _PyStackChunk {previous, size, top, data[]}
    if (this.plans.size > 4096) this.plans.clear();
    this.plans.set(tstate, { chunk, len, cap: Math.min(Number(u64(bytes, 8)), MAX_CHUNK), topAt: this.lastTopAt });
    return chunks;
  }

  /**
   * Fetch frames at known addresses in one syscall. Each iovec costs the kernel a page walk, so
   * nearby frames (3.8–3.10 frame objects come from the same allocator pools) share one range.
   */
  private prefetchNear(addrs: readonly number[]): void {
    const sorted = [...addrs].sort((a, b) => a - b);
    const ranges: { start: number; end: number }[] = [];
    for (const a of sorted) {
      const last = ranges[ranges.length - 1];
      if (last !== undefined && a - last.end < 1024 && a + this.headerLen - last.start <= 1 << 16) last.end = Math.max(last.end, a + this.headerLen);
      else ranges.push({ start: a, end: a + this.headerLen });
    }
    const got = this.mem.readMany?.(ranges.map((r) => ({ addr: BigInt(r.start), len: r.end - r.start }))) ?? [];
    let ri = 0;
    for (const a of sorted) {
      while (ri < ranges.length && a >= (ranges[ri]?.end ?? 0)) ri++;
      const r = ranges[ri], b = got[ri];
      if (r !== undefined && b !== null && b !== undefined) this.pre.set(a, b.subarray(a - r.start, a - r.start + this.headerLen));
    }
  }

  private loadOlder(chunks: Chunks): boolean {
    const prev = chunks.older;
    if (prev === 0n || chunks.loaded >= 64) return false;
    chunks.loaded++;
    const head = this.mem.read(prev, 24);
    const top = u64(head, 16); // saved datastack_top, in words from data[] (set when a newer chunk was pushed)
    const len = 24n + top * 8n;
    if (top === 0n || len > u64(head, 8) || len > BigInt(MAX_CHUNK)) return false;
    chunks.list.push({ start: Number(prev), bytes: this.mem.read(prev, Number(len)) });
    chunks.older = u64(head, 0);
    return true;
  }
}

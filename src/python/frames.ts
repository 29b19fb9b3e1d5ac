// Walk one thread's frame chain into raw (frame, code, offset) triples. 3.11+ frames are read
// from a copy of the thread's data-stack chunks (one read per chunk); anything outside the
// copies (generator frames) is read on its own. 3.8–3.10 heap frames come from a per-thread
// plan of where the last walk found them, read with the thread state in one readVecInto into
// a reused buffer; frames off the plan are read on their own. Every walk is capped.
// Hot path: addresses are handled as numbers here (see bytes.ts ptrn), bigint at the edges;
// nothing is allocated per frame (RawFrames and the result array are reused).
import { i32, lowBits, ptrn, ptrnMasked, u64 } from "./bytes.js";
import type { PythonLayout } from "./layout/types.js";
import type { AddressSpace } from "./maps.js";
import { type ProcessMemory, readVecInto, TornRead } from "./memory/types.js";

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

/**
 * 3.8–3.10: where one thread's heap frames were on its last walk, as the iovecs that fetch them
 * (with the thread state in front) into the walker's `vec`. Rebuilt only when that walk found
 * a different chain; a steady stack reuses it read after read (no allocation).
 */
interface LegacyPlan {
  key: number[]; // the last walk's frame addresses, in walk order
  keySlot: number[]; // key[k]'s index into off/end
  distinct: number; // key[0..distinct) holds no address twice
  addrs: number[]; // iovecs: [0] the thread state, then merged frame ranges
  lens: number[];
  total: number; // bytes of all iovecs, back to back in vec
  slot: Map<number, number>; // frame address → index into off/end
  off: number[]; // the frame's offset in vec
  end: number[]; // end of its range in vec: usable iff the read transferred that far
}
const LEGACY_PLAN_FRAMES = 120; // + the thread state: within one readVecInto (128 iovecs)

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
  // 3.8–3.10 hot path: one plan per thread state, one reused buffer, nothing allocated per read
  private readonly legacyPlans = new Map<bigint, LegacyPlan>();
  private vec = new Uint8Array(16 * 1024);
  private lp: LegacyPlan | null = null; // plan whose frames are in vec for the current walk
  private lpUpTo = 0; // bytes of vec that read transferred
  private primedTs: Uint8Array | null = null; // the thread state readThread read with them
  private primedPlan: LegacyPlan | null = null;
  private primedUpTo = 0;
  private readonly seen = new Set<number>();
  private readonly noChunks: Chunks = { list: [], older: 0n, loaded: 0 };
  private readonly pool: RawFrame[] = [];
  private readonly out: RawFrame[] = [];

  /**
   * Read a thread state. In steady state (3.11+, same chunk as last time) the data-stack chunk
   * and the thread's out-of-chunk frames come in the same syscall; walk(ts) then uses them if
   * the thread state confirms the chunk. One syscall per sample instead of two or three.
   */
  readThread(tstate: bigint, size: number): Uint8Array {
    this.primed = null;
    this.primedTop = null;
    this.primedTs = null;
    if (this.layout.tstate.datastackChunk === null) return this.readLegacyThread(tstate, size);
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

  /** 3.8–3.10: the thread state and last walk's frames in one syscall, into reused buffers. */
  private readLegacyThread(tstate: bigint, size: number): Uint8Array {
    const lp = this.legacyPlans.get(tstate);
    if (lp === undefined || lp.lens[0] !== size || (this.mem.readMany === undefined && this.mem.readVecInto === undefined)) return this.mem.read(tstate, size);
    if (this.vec.length < lp.total) this.vec = new Uint8Array(Math.max(lp.total, this.vec.length * 2));
    const n = readVecInto(this.mem, lp.addrs, lp.lens, 0, lp.addrs.length, this.vec, 0);
    if (n < size) return this.mem.read(tstate, size); // reports the real error
    const ts = this.vec.slice(0, size); // callers keep it past the next read
    this.primedTs = ts;
    this.primedPlan = lp;
    this.primedUpTo = n;
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

  /**
   * The thread's frames, innermost first. The array and its RawFrames are reused: valid until
   * the next walk (callers resolve them right away).
   */
  walk(tstate: bigint, ts: Uint8Array): RawFrame[] {
    const f = this.layout.frame;
    const legacy = this.layout.tstate.datastackChunk === null;
    this.lastTopAt = 0n;
    const top = this.layout.tstate.top;
    let addr = top.kind === "direct" ? ptrn(ts, top.offset) : Number(this.topFrame(tstate, ts).frame);
    this.missed.length = 0;
    const chunks = this.copyChunks(tstate, ts, legacy ? [] : (this.lastMissed.get(tstate) ?? []));
    const out = this.out;
    let n = 0;
    // Cycles (torn reads) among frames outside chunk copies; inside, see below. While the chain
    // follows the thread's plan, whose addresses are distinct, no set is needed: the set only
    // gets filled once the walk leaves it.
    const seen = this.seen;
    if (seen.size > 0) seen.clear();
    const key = legacy ? this.legacyPlans.get(tstate) : undefined;
    let onKey = key !== undefined;
    const adaptive = this.layout.code.codeAdaptive ?? 0;
    let lastOwner = -1;
    let lastBuf: Uint8Array | null = null;
    let lastAt = 0;
    this.misses = 0;
    while (addr !== 0) {
      if (n >= MAX_FRAMES) break;
      if (!Number.isFinite(addr) || lowBits(addr, 7) !== 0) throw new TornRead(BigInt(Number.isFinite(addr) ? addr : 0), 0, "bad frame pointer");
      const inChunk = this.frameBytes(addr, chunks);
      const buf = this.fbuf, at = this.fat;
      if (!inChunk) {
        const k = this.missed.length - 1; // frameBytes recorded addr there
        if (!(onKey && key !== undefined && k < key.distinct && key.key[k] === addr)) {
          if (onKey) {
            onKey = false;
            for (let j = 0; j < k; j++) seen.add(this.missed[j] ?? 0);
          }
          if (seen.has(addr)) break; // cycle from a torn read
          seen.add(addr);
        }
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
        let r = this.pool[n];
        if (r === undefined) {
          r = { frame: addr, code, offset, owner, buf, at };
          this.pool.push(r);
        } else {
          r.frame = addr;
          r.code = code;
          r.offset = offset;
          r.owner = owner;
          r.buf = buf;
          r.at = at;
        }
        out[n++] = r;
      }
      const prev = ptrn(buf, at + f.previous);
      // Inside a data-stack chunk a caller always sits below its callee (the stack grows up):
      // anything else is a torn copy, and this also rules out cycles without a set.
      if (inChunk && prev >= addr && prev - addr < (this.fbuf.length - at)) throw new TornRead(BigInt(addr), 0, "frame chain goes up the stack");
      addr = prev;
    }
    out.length = n;
    if (addr === 0 && lastBuf !== null) this.checkBottom(lastOwner, lastBuf, lastAt);
    if (legacy) this.keepPlan(tstate);
    else {
      if (this.lastMissed.size > 4096) this.lastMissed.clear();
      this.lastMissed.set(tstate, this.missed.slice(0, 8));
    }
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
    const k = this.missed.push(addr) - 1;
    const lp = this.lp;
    if (lp !== null) {
      // the chain usually is where it was: key[k] is this frame, no hashing
      const i = lp.key[k] === addr ? lp.keySlot[k] : lp.slot.get(addr);
      if (i !== undefined && (lp.end[i] ?? Infinity) <= this.lpUpTo) {
        this.fbuf = this.vec; // headerLen bytes from fat: every field walk and asyncio read
        this.fat = lp.off[i] ?? 0;
        return false;
      }
    }
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
      // recur: fetch them all in one syscall (fewer reads, and a more consistent picture),
      // normally the one readThread made for this very thread state.
      this.lp = null;
      const plan = this.legacyPlans.get(tstate);
      if (plan !== undefined && this.primedTs === ts && this.primedPlan === plan) {
        this.lp = plan;
        this.lpUpTo = this.primedUpTo;
      } else if (plan !== undefined && plan.addrs.length > 1 && (this.mem.readMany !== undefined || this.mem.readVecInto !== undefined)) {
        const skip = plan.lens[0] ?? 0; // the frames alone, where readThread would put them
        if (this.vec.length < plan.total) this.vec = new Uint8Array(Math.max(plan.total, this.vec.length * 2));
        this.lp = plan;
        this.lpUpTo = skip + readVecInto(this.mem, plan.addrs, plan.lens, 1, plan.addrs.length - 1, this.vec, skip);
      }
      this.primedTs = null;
      this.primedPlan = null;
      return this.noChunks;
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

  /** After a 3.8–3.10 walk: keep this thread's plan if the chain is where it was, else rebuild it. */
  private keepPlan(tstate: bigint): void {
    const missed = this.missed;
    const len = Math.min(missed.length, LEGACY_PLAN_FRAMES);
    const old = this.legacyPlans.get(tstate);
    if (old !== undefined && old.key.length === len) {
      let same = true;
      for (let i = 0; i < len && same; i++) same = old.key[i] === missed[i];
      if (same) return;
    }
    if (this.legacyPlans.size > 4096) this.legacyPlans.clear();
    this.legacyPlans.set(tstate, this.planNear(tstate, missed.slice(0, len)));
  }

  /**
   * The iovecs for a thread state and frames at known addresses. Each iovec costs the kernel a
   * page walk, so nearby frames (3.8–3.10 frame objects come from the same allocator pools)
   * share one range.
   */
  private planNear(tstate: bigint, key: number[]): LegacyPlan {
    const hl = this.headerLen;
    const size = this.layout.tstate.size;
    const sorted = [...new Set(key)].sort((a, b) => a - b);
    const starts: number[] = [], ends: number[] = [];
    for (const a of sorted) {
      const k = starts.length - 1;
      const s = starts[k], e = ends[k];
      if (s !== undefined && e !== undefined && a - e < 1024 && a + hl - s <= 1 << 16) ends[k] = Math.max(e, a + hl);
      else {
        starts.push(a);
        ends.push(a + hl);
      }
    }
    const plan: LegacyPlan = { key, keySlot: [], distinct: 0, addrs: [Number(tstate)], lens: [size], total: size, slot: new Map(), off: [], end: [] };
    const base: number[] = [];
    for (let r = 0; r < starts.length; r++) {
      const s = starts[r] ?? 0, e = ends[r] ?? 0;
      plan.addrs.push(s);
      plan.lens.push(e - s);
      base.push(plan.total);
      plan.total += e - s;
    }
    let r = 0;
    for (const a of sorted) {
      while (r < starts.length && a >= (ends[r] ?? 0)) r++;
      const s = starts[r], b = base[r];
      if (s === undefined || b === undefined) break;
      plan.slot.set(a, plan.off.length);
      plan.off.push(b + a - s);
      plan.end.push(b + (ends[r] ?? 0) - s);
    }
    const seen = new Set<number>();
    for (const a of key) {
      if (seen.has(a)) break;
      seen.add(a);
      plan.distinct++;
    }
    for (const a of key) plan.keySlot.push(plan.slot.get(a) ?? -1);
    return plan;
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

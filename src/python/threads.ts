// Interpreters → thread states, each with its native thread id. 3.11+ store the kernel tid in
// the thread state; 3.8–3.10 only keep pthread_t, so the tid is read from glibc's struct pthread
// at an offset found once (known 0x2d0 on x86_64 glibc, else searched) and checked against
// /proc/PID/task.
import { i32, u64 } from "./bytes.js";
import type { PythonLayout } from "./layout/types.js";
import { taskIds } from "./locate.js";
import { type ProcessMemory, TornRead } from "./memory/types.js";

export const MAX_THREADS = 4096;
const MAX_INTERPS = 256;

export interface ThreadRef {
  tstate: bigint;
  interp: bigint;
  bytes: Uint8Array; // the tstate prefix as read
  tid: number; // 0 when unknown
  pthread: bigint;
}

export function listThreadStates(mem: ProcessMemory, layout: PythonLayout, runtime: bigint): ThreadRef[] {
  const out: ThreadRef[] = [];
  let interp = u64(mem.read(runtime + BigInt(layout.runtime.interpretersHead), 8), 0);
  const seenInterp = new Set<bigint>();
  for (let n = 0; interp !== 0n && n < MAX_INTERPS && !seenInterp.has(interp); n++) {
    seenInterp.add(interp);
    const head = u64(mem.read(interp + BigInt(layout.interp.threadsHead), 8), 0);
    const seen = new Set<bigint>();
    for (let ts = head; ts !== 0n && out.length < MAX_THREADS && !seen.has(ts); ) {
      seen.add(ts);
      const bytes = mem.read(ts, layout.tstate.size);
      if (u64(bytes, 16) !== interp) throw new TornRead(ts, 0, "thread state does not point back to its interpreter"); // tstate->interp @16, all versions
      const nt = layout.tstate.nativeThreadId;
      out.push({ tstate: ts, interp, bytes, tid: nt === null ? 0 : Number(u64(bytes, nt)), pthread: u64(bytes, layout.tstate.threadId) });
      ts = u64(bytes, layout.tstate.next);
    }
    interp = u64(mem.read(interp + BigInt(layout.interp.next), 8), 0);
  }
  return out;
}

const GLIBC_X86_64_TID = 0x2d0; // struct pthread.tid, glibc 2.x x86_64
const SEARCH = 0x800;

/** Finds tids for 3.8–3.10 thread states from their pthread_t (address of struct pthread). */
export class PthreadTids {
  private offset: number | null = null;
  private readonly mem: ProcessMemory;
  private readonly pid: number;
  constructor(mem: ProcessMemory, pid: number) {
    this.mem = mem;
    this.pid = pid;
  }

  fill(refs: ThreadRef[]): void {
    const need = refs.filter((r) => r.tid === 0 && r.pthread !== 0n);
    if (need.length === 0) return;
    const tasks = new Set(taskIds(this.pid));
    if (this.offset === null || !this.tryOffset(need, this.offset, tasks)) this.offset = this.search(need, tasks);
    if (this.offset === null) return;
    for (const r of need) {
      const tid = this.tidAt(r.pthread, this.offset);
      if (tid !== null && tasks.has(tid)) r.tid = tid;
    }
  }

  private tidAt(pthread: bigint, off: number): number | null {
    try {
      return i32(this.mem.read(pthread + BigInt(off), 4), 0);
    } catch (e) {
      if (e instanceof TornRead) return null;
      throw e;
    }
  }

  private tryOffset(refs: ThreadRef[], off: number, tasks: Set<number>): boolean {
    const tids = refs.map((r) => this.tidAt(r.pthread, off));
    return tids.every((t) => t !== null && tasks.has(t)) && new Set(tids).size === tids.length;
  }

  private search(refs: ThreadRef[], tasks: Set<number>): number | null {
    if (this.tryOffset(refs, GLIBC_X86_64_TID, tasks)) return GLIBC_X86_64_TID;
    let blocks: Uint8Array[];
    try {
      blocks = refs.map((r) => this.mem.read(r.pthread, SEARCH));
    } catch {
      return null;
    }
    for (let off = 0; off < SEARCH; off += 4) {
      const tids = blocks.map((b) => i32(b, off));
      if (tids.every((t) => tasks.has(t)) && new Set(tids).size === tids.length) return off;
    }
    return null;
  }
}

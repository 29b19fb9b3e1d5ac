// Live memory through process_vm_readv(2), called with koffi. The only koffi user in python/.
// Reads land in one fixed native-backed Buffer (its address never moves) and are copied out.
import koffi from "koffi";
import { ToolError } from "../../errors.js";
import { type ProcessMemory, type ReadRequest, readError, TornRead } from "./types.js";

type ReadvFn = (pid: number, liov: number, lcnt: number, riov: number, rcnt: number, flags: number) => number;

let readv: ReadvFn | null = null;
function libcReadv(): ReadvFn {
  if (readv === null) {
    const libc = koffi.load("libc.so.6");
    // Pointers passed as integers: cheaper than letting koffi marshal Buffers on every call.
    const fn = libc.func(
      "long process_vm_readv(int pid, uintptr_t liov, unsigned long lc, uintptr_t riov, unsigned long rc, unsigned long flags)",
    );
    readv = (pid, l, lc, r, rc, f) => Number(fn(pid, l, lc, r, rc, f));
  }
  return readv;
}

const SCRATCH = 1 << 20; // largest single read; data-stack chunks are 16 KiB by default
const BATCH = 128; // iovecs per readMany call (the kernel allows IOV_MAX = 1024)

export class VmReadvMemory implements ProcessMemory {
  readonly pid: number;
  private readonly fn: ReadvFn;
  private readonly buf = Buffer.alloc(SCRATCH);
  private readonly view = new Uint8Array(this.buf.buffer, this.buf.byteOffset, SCRATCH); // slice() → plain Uint8Array
  private readonly iov = Buffer.alloc(32); // local iovec at 0, remote iovec at 16
  private readonly iov64 = new BigUint64Array(this.iov.buffer, this.iov.byteOffset, 4);
  private readonly liov: number;
  private readonly scratch: bigint;
  private readonly riov: number;

  constructor(pid: number) {
    this.pid = pid;
    this.fn = libcReadv();
    this.scratch = koffi.address(this.buf);
    this.scratchN = Number(this.scratch);
    this.iov64[0] = this.scratch;
    const base = Number(koffi.address(this.iov));
    this.liov = base;
    this.riov = base + 16;
  }

  read(addr: bigint, len: number): Uint8Array {
    if (len <= 0) return new Uint8Array(0);
    if (len > SCRATCH) throw new ToolError("internal", `read ${len} bytes: larger than ${SCRATCH}`);
    const b = BigInt(len);
    this.iov64[1] = b;
    this.iov64[2] = addr;
    this.iov64[3] = b;
    const n = this.fn(this.pid, this.liov, 1, this.riov, 1, 0);
    if (n < 0) throw readError(this.pid, koffi.errno(), addr, len);
    if (n < len) throw new TornRead(addr, len, `short read (${n})`);
    return this.view.slice(0, len);
  }

  private destAddr = new WeakMap<Uint8Array, bigint>();

  readInto(addr: bigint, len: number, dest: Uint8Array): void {
    if (len > dest.length) throw new ToolError("internal", `readInto ${len} bytes: destination holds ${dest.length}`);
    let at = this.destAddr.get(dest);
    if (at === undefined) {
      at = koffi.address(dest); // a typed array's backing store never moves
      this.destAddr.set(dest, at);
    }
    const b = BigInt(len);
    this.iov64[0] = at;
    this.iov64[1] = b;
    this.iov64[2] = addr;
    this.iov64[3] = b;
    const n = this.fn(this.pid, this.liov, 1, this.riov, 1, 0);
    this.iov64[0] = this.scratch;
    if (n < 0) throw readError(this.pid, koffi.errno(), addr, len);
    if (n < len) throw new TornRead(addr, len, `short read (${n})`);
  }

  private batchIov: { buf: Buffer; iov: BigUint64Array; w32: Uint32Array; at: number } | null = null;
  private readonly scratchN: number; // scratch address as a number

  readMany(reqs: readonly ReadRequest[]): (Uint8Array | null)[] {
    const out: (Uint8Array | null)[] = [];
    if (reqs.length <= BATCH) this.batch(reqs, out);
    else for (let i = 0; i < reqs.length; i += BATCH) this.batch(reqs.slice(i, i + BATCH), out);
    return out;
  }

  private readonly destAddrN = new WeakMap<Uint8Array, number>();

  readVecInto(addrs: readonly number[], lens: readonly number[], from: number, count: number, dest: Uint8Array, destOff: number): number {
    if (count <= 0) return 0;
    if (count > BATCH) throw new ToolError("internal", `readVecInto ${count} ranges: more than ${BATCH}`);
    const { w32, at } = this.iovecs();
    let base = this.destAddrN.get(dest);
    if (base === undefined) {
      base = Number(koffi.address(dest)); // a typed array's backing store never moves
      this.destAddrN.set(dest, base);
    }
    let pos = destOff;
    for (let i = 0; i < count; i++) {
      const a = addrs[from + i] ?? 0, len = lens[from + i] ?? 0;
      if (len < 0 || pos + len > dest.length) throw new ToolError("internal", `readVecInto: ${pos + len} bytes into a ${dest.length}-byte destination`);
      // every field as 32-bit halves: addresses are < 2^53 (below 2^48 in user space), exact as numbers
      const local = base + pos;
      w32[i * 4] = local % 0x100000000;
      w32[i * 4 + 1] = Math.floor(local / 0x100000000);
      w32[i * 4 + 2] = len;
      w32[i * 4 + 3] = 0;
      const r = BATCH * 4 + i * 4;
      w32[r] = a % 0x100000000;
      w32[r + 1] = Math.floor(a / 0x100000000);
      w32[r + 2] = len;
      w32[r + 3] = 0;
      pos += len;
    }
    const n = this.fn(this.pid, at, count, at + BATCH * 16, count, 0);
    if (n < 0) {
      const err = readError(this.pid, koffi.errno(), BigInt(addrs[from] ?? 0), 0);
      if (!(err instanceof TornRead)) throw err;
      return 0;
    }
    return n;
  }

  private iovecs(): { buf: Buffer; iov: BigUint64Array; w32: Uint32Array; at: number } {
    if (this.batchIov === null) {
      const buf = Buffer.alloc(BATCH * 32); // BATCH local iovecs, then BATCH remote ones
      this.batchIov = {
        buf,
        iov: new BigUint64Array(buf.buffer, buf.byteOffset, BATCH * 4),
        w32: new Uint32Array(buf.buffer, buf.byteOffset, BATCH * 8),
        at: Number(koffi.address(buf)),
      };
    }
    return this.batchIov;
  }

  private batch(reqs: readonly ReadRequest[], out: (Uint8Array | null)[]): void {
    const { iov, w32, at } = this.iovecs();
    // Lengths and local addresses are written as 32-bit halves (no bigint per field); the
    // scratch address is below 2^48, so its halves are exact.
    const base = this.scratchN;
    let pos = 0;
    for (let i = 0; i < reqs.length; i++) {
      const r = reqs[i] as ReadRequest; // i < reqs.length
      const len = Math.max(0, Math.min(r.len, SCRATCH - pos));
      const local = base + pos;
      w32[i * 4] = local % 0x100000000;
      w32[i * 4 + 1] = Math.floor(local / 0x100000000);
      w32[i * 4 + 2] = len;
      w32[i * 4 + 3] = 0;
      iov[BATCH * 2 + i * 2] = r.addr;
      w32[BATCH * 4 + i * 4 + 2] = len;
      w32[BATCH * 4 + i * 4 + 3] = 0;
      pos += len;
    }
    const n = this.fn(this.pid, at, reqs.length, at + BATCH * 16, reqs.length, 0);
    if (n < 0) {
      const err = readError(this.pid, koffi.errno(), reqs[0]?.addr ?? 0n, 0);
      if (!(err instanceof TornRead)) throw err;
    }
    // A partial transfer stops at an iovec boundary: entries before it are complete.
    let done = 0;
    for (const r of reqs) {
      if (n >= 0 && done + r.len <= n && r.len <= SCRATCH - done) out.push(this.view.slice(done, done + r.len));
      else out.push(null);
      done += r.len;
    }
  }

  close(): void {}
}

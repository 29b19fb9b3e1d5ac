// The one door to another process's memory. Live (process_vm_readv, /proc/PID/mem) and snapshot
// implementations share it, so every algorithm above can be tested on recorded bytes.
import { ToolError } from "../../errors.js";

export interface ProcessMemory {
  /** Copy `len` bytes at `addr`. Throws TornRead for unmapped/short reads; ToolError otherwise. */
  read(addr: bigint, len: number): Uint8Array;
  /** Copy into `dest` (no allocation); for the hot data-stack copy. Same errors as read. */
  readInto?(addr: bigint, len: number, dest: Uint8Array): void;
  /** Several reads at once (one syscall where the backend can); null where a read failed. */
  readMany?(reqs: readonly ReadRequest[]): (Uint8Array | null)[];
  /**
   * Hot path, no allocation: ranges i in [from, from + count) (`addrs[i]` as numbers, exact for
   * user-space addresses < 2^53; `lens[i]` bytes) copied back to back into `dest` from
   * `destOff`, in one syscall where the backend can. Returns the bytes transferred: a partial
   * transfer stops at a range boundary, so ranges ending within it are complete (0 when the
   * first range is unreadable). Non-torn errors (process gone, permission) throw as read does.
   */
  readVecInto?(addrs: readonly number[], lens: readonly number[], from: number, count: number, dest: Uint8Array, destOff: number): number;
  close(): void;
}

/** readVecInto through the backend when it has one, else one read each (stops at the first torn one). */
export function readVecInto(mem: ProcessMemory, addrs: readonly number[], lens: readonly number[], from: number, count: number, dest: Uint8Array, destOff: number): number {
  if (mem.readVecInto !== undefined) return mem.readVecInto(addrs, lens, from, count, dest, destOff);
  let pos = destOff;
  for (let i = from; i < from + count; i++) {
    const a = addrs[i], len = lens[i];
    if (a === undefined || len === undefined || pos + len > dest.length) break;
    try {
      dest.set(mem.read(BigInt(a), len), pos);
    } catch (e) {
      if (e instanceof TornRead) break;
      throw e;
    }
    pos += len;
  }
  return pos - destOff;
}

export interface ReadRequest {
  addr: bigint;
  len: number;
}

/** readMany through the backend's batch call when it has one, else one read each. */
export function readMany(mem: ProcessMemory, reqs: readonly ReadRequest[]): (Uint8Array | null)[] {
  if (mem.readMany !== undefined) return mem.readMany(reqs);
  return reqs.map((r) => {
    try {
      return mem.read(r.addr, r.len);
    } catch (e) {
      if (e instanceof TornRead) return null;
      throw e;
    }
  });
}

/** A read that hit unmapped memory or came back short: expected while the target runs. */
export class TornRead extends ToolError {
  readonly addr: bigint;
  constructor(addr: bigint, len: number, why: string) {
    super("io", `read ${len} bytes at 0x${addr.toString(16)}: ${why}`);
    this.addr = addr;
  }
}
TornRead.prototype.name = "TornRead";

const EPERM = 1, ENOENT = 2, ESRCH = 3, EIO = 5, EACCES = 13, EFAULT = 14;

/** Sort an errno from a read of process `pid` into the error kinds callers act on. */
export function readError(pid: number, errno: number, addr: bigint, len: number): ToolError {
  switch (errno) {
    case EPERM:
    case EACCES:
      return new ToolError("permission", `read memory of process ${pid}: permission denied`, {
        errno,
        hint: "run as root or grant CAP_SYS_PTRACE (and check /proc/sys/kernel/yama/ptrace_scope)",
      });
    case ESRCH:
    case ENOENT:
      return new ToolError("not-found", `read memory of process ${pid}: process is gone`, { errno });
    case EFAULT:
    case EIO:
      return new TornRead(addr, len, errno === EFAULT ? "EFAULT" : "EIO");
    default:
      return new ToolError("io", `read memory of process ${pid}: errno ${errno}`, { errno });
  }
}

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
  close(): void;
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

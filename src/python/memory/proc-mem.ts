// Live memory through /proc/PID/mem (pread): no native code, same permission model as ptrace.
import { closeSync, openSync, readSync } from "node:fs";
import { type ProcessMemory, readError, TornRead } from "./types.js";

function errnoOf(e: unknown): number {
  const n = (e as { errno?: unknown }).errno; // Node SystemError: errno is negative
  return typeof n === "number" ? Math.abs(n) : 5;
}

export class ProcMemMemory implements ProcessMemory {
  readonly pid: number;
  private fd: number;

  constructor(pid: number) {
    this.pid = pid;
    try {
      this.fd = openSync(`/proc/${pid}/mem`, "r");
    } catch (e) {
      throw readError(pid, errnoOf(e), 0n, 0);
    }
  }

  read(addr: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let n: number;
    try {
      n = readSync(this.fd, out, 0, len, addr);
    } catch (e) {
      throw readError(this.pid, errnoOf(e), addr, len);
    }
    if (n < len) throw new TornRead(addr, len, `short read (${n})`);
    return out;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

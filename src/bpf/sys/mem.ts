// mmap/munmap, page size and possible CPUs.
import { readFileSync } from "node:fs";
import { rawGetpagesize, rawMmap, rawMount, rawMunmap, rawUmount2, viewOf } from "./libc.js";
import { syscallError } from "./errors.js";

let pageSizeCache: number | undefined;
export function pageSize(): number {
  pageSizeCache ??= rawGetpagesize(); // 4K, 16K or 64K on arm64: never assume
  return pageSizeCache;
}

/** A shared mapping of `fd`; `close()` unmaps it. The view is invalid after close. */
export class Mapping {
  readonly address: bigint;
  readonly length: number;
  readonly buffer: ArrayBuffer;
  #open = true;

  constructor(operation: string, fd: number, length: number, prot: number, flags: number, offset: number) {
    const addr = rawMmap(length, prot, flags, fd, offset);
    if (addr < 0n) throw syscallError(operation, Number(-addr));
    this.address = addr;
    this.length = length;
    this.buffer = viewOf(addr, length);
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    rawMunmap(this.address, this.length);
  }
}

/** Parse a CPU list such as "0-3,8,10-11". */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(",")) {
    if (part === "") continue;
    const [a, b] = part.split("-");
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) throw new RangeError(`bad cpu list "${text}"`);
    for (let c = lo; c <= hi; c++) cpus.push(c);
  }
  return cpus;
}

let possible: number | undefined;
/** Number of possible CPUs: per-CPU map values have this many slots (bpf_map_value_size). */
export function possibleCpuCount(): number {
  possible ??= Math.max(...parseCpuList(readFileSync("/sys/devices/system/cpu/possible", "utf8"))) + 1;
  return possible;
}

/** mount -t tracefs nodev <target> (mount(2); no mount(8) needed in minimal containers). */
export function mountTracefs(target: string): void {
  const r = rawMount("nodev", target, "tracefs");
  if (r < 0) throw syscallError(`mount tracefs at ${target}`, -r);
}

/** umount2(target, MNT_DETACH). */
export function unmount(target: string): void {
  const r = rawUmount2(target, 2);
  if (r < 0) throw syscallError(`unmount ${target}`, -r);
}

// /proc/PID/maps: which ranges exist (pointer sanity) and which files are mapped where.
import { readFileSync } from "node:fs";

export interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  offset: bigint;
  path: string; // "" for anonymous
}

export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \d+\s*(.*)$/.exec(line);
    if (m === null) continue;
    out.push({
      start: BigInt(`0x${m[1] ?? "0"}`),
      end: BigInt(`0x${m[2] ?? "0"}`),
      perms: m[3] ?? "",
      offset: BigInt(`0x${m[4] ?? "0"}`),
      path: (m[5] ?? "").trim(),
    });
  }
  return out;
}

export function readMaps(pid: number): Mapping[] {
  return parseMaps(readFileSync(`/proc/${pid}/maps`, "utf8"));
}

/** Sorted, merged readable ranges for a fast "could this pointer be valid" check. */
export class AddressSpace {
  private readonly starts: bigint[] = [];
  private readonly ends: bigint[] = [];
  constructor(maps: Mapping[]) {
    const rs = maps.filter((m) => m.perms.startsWith("r")).sort((a, b) => (a.start < b.start ? -1 : 1));
    for (const m of rs) {
      const n = this.ends.length;
      if (n > 0 && this.ends[n - 1] === m.start) this.ends[n - 1] = m.end;
      else {
        this.starts.push(m.start);
        this.ends.push(m.end);
      }
    }
  }
  /** True when [addr, addr+len) lies inside one readable range. */
  has(addr: bigint, len = 1): boolean {
    let lo = 0, hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.starts[mid] ?? 0n;
      if (addr < s) hi = mid - 1;
      else if (addr >= (this.ends[mid] ?? 0n)) lo = mid + 1;
      else return addr + BigInt(len) <= (this.ends[mid] ?? 0n);
    }
    return false;
  }
}

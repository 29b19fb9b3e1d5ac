// Memory made of recorded regions: the test double for ProcessMemory, and a recorder that
// captures what a live walk touched so a fixture can be replayed without root.
import { type ProcessMemory, TornRead } from "./types.js";

export interface Region {
  addr: bigint;
  bytes: Uint8Array;
}

export class SnapshotMemory implements ProcessMemory {
  private readonly regions: Region[];
  constructor(regions: Region[]) {
    this.regions = [...regions].sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  }
  read(addr: bigint, len: number): Uint8Array {
    for (const r of this.regions) {
      const off = addr - r.addr;
      if (off >= 0n && off + BigInt(len) <= BigInt(r.bytes.length)) {
        const o = Number(off);
        return r.bytes.slice(o, o + len);
      }
    }
    throw new TornRead(addr, len, "not in snapshot");
  }
  close(): void {}
}

/** Wraps a live memory and remembers every successful read. */
export class RecordingMemory implements ProcessMemory {
  readonly inner: ProcessMemory;
  readonly regions: Region[] = [];
  constructor(inner: ProcessMemory) {
    this.inner = inner;
  }
  read(addr: bigint, len: number): Uint8Array {
    const bytes = this.inner.read(addr, len);
    this.regions.push({ addr, bytes });
    return bytes;
  }
  close(): void {
    this.inner.close();
  }
}

/** JSON form of a snapshot: { regions: [{ addr: "0x..", hex: ".." }] } plus free-form meta. */
export function regionsToJson(regions: Region[]): { addr: string; hex: string }[] {
  return regions.map((r) => ({ addr: `0x${r.addr.toString(16)}`, hex: Buffer.from(r.bytes).toString("hex") }));
}

export function regionsFromJson(v: unknown): Region[] {
  if (!Array.isArray(v)) throw new Error("snapshot: regions must be an array");
  return v.map((r: unknown) => {
    const o = r as { addr?: unknown; hex?: unknown }; // fixture shape checked field by field
    if (typeof o.addr !== "string" || typeof o.hex !== "string") throw new Error("snapshot: bad region");
    return { addr: BigInt(o.addr), bytes: new Uint8Array(Buffer.from(o.hex, "hex")) };
  });
}

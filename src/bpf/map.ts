// Map owners. Each map owns its fd; close() is idempotent.
import { BPF_ANY, BPF_F_MMAPABLE, MAP_SHARED, MapType, PROT_READ, PROT_WRITE, closeFd, mapCreate, mapDelete, mapLookup, mapNextKey, mapUpdate, Mapping, possibleCpuCount, objectId } from "./sys/index.js";
import { ToolError } from "../errors.js";
import type { MapRef } from "./asm/insn.js";

export interface MapSpec {
  readonly type: number;
  readonly name: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
}

export class BpfMap implements MapRef {
  #fd: number;
  readonly name: string;
  readonly spec: MapSpec;

  constructor(spec: MapSpec) {
    this.spec = spec;
    this.name = spec.name;
    this.#fd = mapCreate({ type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, flags: spec.flags ?? 0, name: spec.name });
  }

  /** The fd, or -1 once closed. */
  get fd(): number {
    return this.#fd;
  }

  get id(): number {
    return objectId(this.live(), "map");
  }

  protected live(): number {
    if (this.#fd < 0) throw new ToolError("internal", `use map ${this.name}: it is closed`);
    return this.#fd;
  }

  /** The value bytes for `key`, or undefined. Per-CPU maps return valueSize×CPUs bytes (see PerCpuArray). */
  lookup(key: Buffer, valueBytes = this.spec.valueSize): Buffer | undefined {
    const value = Buffer.alloc(valueBytes);
    return mapLookup(this.live(), key, value) ? value : undefined;
  }

  update(key: Buffer, value: Buffer, flags = BPF_ANY): void {
    mapUpdate(this.live(), key, value, flags);
  }

  delete(key: Buffer): boolean {
    return mapDelete(this.live(), key);
  }

  /** All keys (a snapshot: entries may come and go while walking). */
  keys(): Buffer[] {
    const keys: Buffer[] = [];
    let prev: Buffer | null = null;
    for (let i = 0; i <= this.spec.maxEntries; i++) {
      const next = Buffer.alloc(this.spec.keySize);
      if (!mapNextKey(this.live(), prev, next)) break;
      keys.push(next);
      prev = next;
    }
    return keys;
  }

  close(): void {
    if (this.#fd < 0) return;
    closeFd(this.#fd);
    this.#fd = -1;
  }
}

export function u32Key(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

export function hashMap(name: string, keySize: number, valueSize: number, maxEntries: number): BpfMap {
  return new BpfMap({ type: MapType.Hash, name, keySize, valueSize, maxEntries });
}

export function arrayMap(name: string, valueSize: number, maxEntries: number): BpfMap {
  return new BpfMap({ type: MapType.Array, name, keySize: 4, valueSize, maxEntries });
}

/** An ARRAY with BPF_F_MMAPABLE (5.5): user space reads values with no syscall through `view`. */
export class MmapArray extends BpfMap {
  #mapping: Mapping | undefined;

  constructor(name: string, valueSize: number, maxEntries: number) {
    super({ type: MapType.Array, name, keySize: 4, valueSize, maxEntries, flags: BPF_F_MMAPABLE });
    try {
      const bytes = Math.ceil((roundUp8(valueSize) * maxEntries) / 4096) * 4096;
      this.#mapping = new Mapping(`mmap map ${name}`, this.fd, Math.max(bytes, 4096), PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    } catch (e) {
      super.close();
      throw e;
    }
  }

  /** The values, element i at i*roundup(valueSize, 8). Invalid after close(). */
  get view(): ArrayBuffer {
    if (this.#mapping === undefined) throw new ToolError("internal", `use map ${this.name}: it is closed`);
    return this.#mapping.buffer;
  }

  override close(): void {
    this.#mapping?.close();
    this.#mapping = undefined;
    super.close();
  }
}

/**
 * A PROG_ARRAY: slots of programs for bpf_tail_call. A program put in a slot is referenced by the
 * map, not by its fd; clear() (or closing the map's last fd: the kernel empties a prog array when
 * its last user reference goes, map_release_uref) releases them. A tail call to an empty slot
 * falls through to the caller's next instruction. Every program in it must have the type of the
 * programs that call it.
 */
export class ProgArray extends BpfMap {
  constructor(name: string, slots: number) {
    super({ type: MapType.ProgArray, name, keySize: 4, valueSize: 4, maxEntries: slots });
  }

  set(slot: number, program: { readonly fd: number }): void {
    this.update(u32Key(slot), u32Key(program.fd));
  }

  clear(slot: number): void {
    if (this.fd >= 0) this.delete(u32Key(slot));
  }
}

/** A PERCPU_ARRAY sized with the possible-CPU count; `lookupAll` returns one slice per CPU. */
export class PerCpuArray extends BpfMap {
  readonly cpus = possibleCpuCount();

  constructor(name: string, valueSize: number, maxEntries: number) {
    super({ type: MapType.PerCpuArray, name, keySize: 4, valueSize, maxEntries });
  }

  lookupAll(index: number): Buffer[] {
    const stride = roundUp8(this.spec.valueSize);
    const all = this.lookup(u32Key(index), stride * this.cpus);
    if (all === undefined) return [];
    const out: Buffer[] = [];
    for (let c = 0; c < this.cpus; c++) out.push(all.subarray(c * stride, c * stride + this.spec.valueSize));
    return out;
  }
}

export function roundUp8(n: number): number {
  return (n + 7) & ~7;
}

// run-phase: the kernel's per-thread "running callbacks since" map, read from the sampler worker.
// The loop-gap probe owns the map; a BPF map fd is process-wide, so the worker reads the same map
// through the fd number with its own bpf(2) lookups (~1–2 µs each) and never touches the probe's
// objects, which live in the main thread. Layout: probes/loop-gap/layout.ts THREAD.
import { readdirSync, readlinkSync } from "node:fs";
import { BpfCmd, ENOENT, GetIdAttr, MapElemAttr, ObjInfoAttr, bpfCall, bpfRaw, closeFd, encodeAttr, objectId, syscallError } from "../bpf/sys/index.js";
import { THREAD } from "../probes/loop-gap/layout.js";

/**
 * The loop-gap probe's name for its threads map (probes/loop-gap/index.ts). Its values start with
 * THREAD and may be longer (a companion probe's bytes follow): valueSize is a minimum.
 */
export const RUN_PHASE_MAP = { name: "lg_threads", keySize: 4, valueSize: THREAD.size } as const;

/**
 * The fd of this process's newest BPF map named `name` with this key size and values of at least
 * `valueSize` bytes, or undefined. Used when
 * the probe does not hand out its map fd: the fd table is the process's, so the map is found by
 * its kernel name (BPF_OBJ_GET_INFO_BY_FD; struct bpf_map_info: key_size @8, value_size @12,
 * name[16] @24, since 4.15). The newest (highest id) wins when an old probe is still open.
 */
export function findMapFd(spec: { name: string; keySize: number; valueSize: number }): number | undefined {
  let best: { fd: number; id: number } | undefined;
  for (const entry of readdirSync("/proc/self/fd")) {
    const fd = Number(entry);
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${entry}`);
    } catch {
      continue; // the fd of readdir itself, or one closed meanwhile
    }
    if (target !== "anon_inode:bpf-map") continue;
    const info = Buffer.alloc(40);
    try {
      bpfCall("bpf get map info", BpfCmd.ObjGetInfoByFd, ObjInfoAttr, encodeAttr(ObjInfoAttr, { bpf_fd: fd, info_len: info.length, info }));
    } catch {
      continue; // closed between readlink and the call
    }
    const name = info.subarray(24, 40).toString("latin1").replace(/\0.*$/s, "");
    if (name !== spec.name || info.readUInt32LE(8) !== spec.keySize || info.readUInt32LE(12) < spec.valueSize) continue;
    const id = info.readUInt32LE(4);
    if (best === undefined || id > best.id) best = { fd, id };
  }
  return best?.fd;
}

export interface LoopThread {
  pid: number;
  tid: number;
  runPhaseStartNs: bigint | undefined; // undefined: waiting
}

const BPF_MAP_GET_FD_BY_ID = 14; // enum bpf_cmd, include/uapi/linux/bpf.h (4.13); not in BpfCmd yet

/**
 * A new fd of the same map as `fd` — the sampler's own reference, so the map outlives a probe
 * that is closed before the sampler (and a reused fd number can never be misread as the map).
 */
export function retainMap(fd: number): { fd: number; close(): void } {
  const id = objectId(fd, "map");
  const own = bpfCall("bpf map get fd by id", BPF_MAP_GET_FD_BY_ID, GetIdAttr, encodeAttr(GetIdAttr, { start_id: id }));
  let open = true;
  return {
    fd: own,
    close() {
      if (open) closeFd(own);
      open = false;
    },
  };
}

/**
 * Reads the map with attrs encoded once: the toolkit's mapLookup encodes a fresh attr per call
 * (~7 µs); here a lookup is one bpf(2) call (~1.7 µs), which is what makes "one lookup per loop
 * thread per tick" cheap. Key, value and attrs live in one off-heap ArrayBuffer (a `new
 * ArrayBuffer` backing store never moves), so the addresses inside the attrs stay valid.
 */
/** Where the value buffer starts in RunPhaseReader's memory: after the key, next key and three attrs. */
const VALUE_AT = 256;

/** The value size of map `fd` (struct bpf_map_info value_size @12). */
function mapValueSize(fd: number): number {
  const info = Buffer.alloc(40);
  bpfCall("bpf get map info", BpfCmd.ObjGetInfoByFd, ObjInfoAttr, encodeAttr(ObjInfoAttr, { bpf_fd: fd, info_len: info.length, info }));
  return info.readUInt32LE(12);
}

export class RunPhaseReader {
  private readonly mem: ArrayBuffer;
  private readonly key: Buffer; // u32 tid (8 for alignment)
  private readonly next: Buffer; // GET_NEXT_KEY output
  private readonly value: Buffer; // the map's whole value: the kernel copies all of it
  private readonly lookupAttr: Buffer;
  private readonly firstKeyAttr: Buffer;
  private readonly nextKeyAttr: Buffer;
  lookups = 0;

  /** `fd`: the probe's threads map (hash, key u32 tid, values ≥ THREAD.size). Not owned (see retainMap). */
  constructor(fd: number) {
    const valueSize = mapValueSize(fd);
    if (valueSize < THREAD.size) throw new RangeError(`run-phase map values of ${valueSize} bytes, at least ${THREAD.size} expected`);
    this.mem = new ArrayBuffer(VALUE_AT + valueSize);
    this.key = Buffer.from(this.mem, 0, 8);
    this.next = Buffer.from(this.mem, 8, 8);
    this.value = Buffer.from(this.mem, VALUE_AT, valueSize);
    const attrs = (i: number) => Buffer.from(this.mem, 64 + i * 64, MapElemAttr.size);
    this.lookupAttr = attrs(0);
    encodeAttr(MapElemAttr, { map_fd: fd, key: this.key, value: this.value }).copy(this.lookupAttr);
    this.firstKeyAttr = attrs(1);
    encodeAttr(MapElemAttr, { map_fd: fd, value: this.next }).copy(this.firstKeyAttr); // key NULL: the first key
    this.nextKeyAttr = attrs(2);
    encodeAttr(MapElemAttr, { map_fd: fd, key: this.key, value: this.next }).copy(this.nextKeyAttr);
  }

  /**
   * The start (CLOCK_MONOTONIC ns) of the thread's current run phase; undefined while it waits
   * (the kernel writes 0) or when the thread is not (or no longer) a known loop thread.
   */
  runPhaseStart(tid: number): bigint | undefined {
    this.key.writeUInt32LE(tid >>> 0, 0);
    if (!this.lookup()) return undefined;
    const start = this.value.readBigUInt64LE(THREAD.runStart);
    return start === 0n ? undefined : start;
  }

  /** Every loop thread the kernel has seen return from a wait, with its run phase (a snapshot). */
  threads(limit = 65_536): LoopThread[] {
    const out: LoopThread[] = [];
    let attr = this.firstKeyAttr;
    for (let i = 0; i < limit; i++) {
      const r = bpfRaw(BpfCmd.MapGetNextKey, attr, MapElemAttr.size);
      if (r < 0) {
        if (-r === ENOENT) break;
        throw syscallError("bpf map next key", -r);
      }
      attr = this.nextKeyAttr;
      this.next.copy(this.key, 0, 0, 4); // the next call continues after this key; lookup reads it
      if (!this.lookup()) continue; // deleted between the two calls
      const start = this.value.readBigUInt64LE(THREAD.runStart);
      out.push({ pid: this.value.readUInt32LE(THREAD.tgid), tid: this.key.readUInt32LE(0), runPhaseStartNs: start === 0n ? undefined : start });
    }
    return out;
  }

  private lookup(): boolean {
    this.lookups++;
    const r = bpfRaw(BpfCmd.MapLookupElem, this.lookupAttr, MapElemAttr.size);
    if (r >= 0) return true;
    if (-r === ENOENT) return false;
    throw syscallError("bpf map lookup", -r);
  }
}

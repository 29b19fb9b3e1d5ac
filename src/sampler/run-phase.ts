// run-phase: the kernel's per-thread "running callbacks since" map, read from the sampler worker.
// The loop-gap probe owns the map; a BPF map fd is process-wide, so the worker reads the same map
// through the fd number with its own bpf(2) lookups (~1–2 µs each) and never touches the probe's
// objects, which live in the main thread. Layout: probes/loop-gap/layout.ts THREAD.
import { readdirSync, readlinkSync } from "node:fs";
import { BpfCmd, GetIdAttr, ObjInfoAttr, bpfCall, closeFd, encodeAttr, mapLookup, mapNextKey, objectId } from "../bpf/sys/index.js";
import { THREAD } from "../probes/loop-gap/layout.js";

/** The loop-gap probe's name for its threads map (probes/loop-gap/index.ts). */
export const RUN_PHASE_MAP = { name: "lg_threads", keySize: 4, valueSize: THREAD.size } as const;

/**
 * The fd of this process's newest BPF map named `name` with these sizes, or undefined. Used when
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
    if (name !== spec.name || info.readUInt32LE(8) !== spec.keySize || info.readUInt32LE(12) !== spec.valueSize) continue;
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

export class RunPhaseReader {
  private readonly key = Buffer.alloc(4);
  private readonly value = Buffer.alloc(THREAD.size);
  lookups = 0;

  /** `fd`: the probe's threads map (hash, key u32 tid). Not owned: the probe closes it. */
  constructor(private readonly fd: number) {}

  /**
   * The start (CLOCK_MONOTONIC ns) of the thread's current run phase; undefined while it waits
   * (the kernel writes 0) or when the thread is not (or no longer) a known loop thread.
   */
  runPhaseStart(tid: number): bigint | undefined {
    this.lookups++;
    this.key.writeUInt32LE(tid >>> 0, 0);
    if (!mapLookup(this.fd, this.key, this.value)) return undefined;
    const start = this.value.readBigUInt64LE(THREAD.runStart);
    return start === 0n ? undefined : start;
  }

  /** Every loop thread the kernel has seen return from a wait, with its run phase (a snapshot). */
  threads(limit = 65_536): LoopThread[] {
    const out: LoopThread[] = [];
    let prev: Buffer | null = null;
    for (let i = 0; i < limit; i++) {
      const next = Buffer.alloc(4);
      if (!mapNextKey(this.fd, prev, next)) break;
      prev = next;
      this.lookups++;
      if (!mapLookup(this.fd, next, this.value)) continue; // deleted between the two calls
      const start = this.value.readBigUInt64LE(THREAD.runStart);
      out.push({ pid: this.value.readUInt32LE(THREAD.tgid), tid: next.readUInt32LE(0), runPhaseStartNs: start === 0n ? undefined : start });
    }
    return out;
  }
}

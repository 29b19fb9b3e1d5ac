// Creating BPF objects: maps, programs, links. Returned fds are owned by the caller.
import { BpfCmd, ProgType, RLIMIT_MEMLOCK } from "./numbers.js";
import { encodeAttr, LinkCreateAttr, MapCreateAttr, ProgLoadAttr } from "./attr.js";
import { bpfCall, bpfRaw } from "./bpf.js";
import { EAGAIN, EPERM, syscallError } from "./errors.js";
import { rawSetrlimit } from "./libc.js";
import type { ToolError } from "../../errors.js";

export interface MapCreateOptions {
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
  readonly name?: string;
}

let memlockBumped = false;
/** Before 5.11 BPF memory is charged to RLIMIT_MEMLOCK; EPERM usually means "raise it". */
function bumpMemlock(): boolean {
  if (memlockBumped) return false;
  memlockBumped = true;
  const rlim = Buffer.alloc(16, 0xff); // {RLIM_INFINITY, RLIM_INFINITY}
  return rawSetrlimit(RLIMIT_MEMLOCK, rlim) === 0;
}

export function mapCreate(o: MapCreateOptions): number {
  const attr = encodeAttr(MapCreateAttr, {
    map_type: o.type, key_size: o.keySize, value_size: o.valueSize, max_entries: o.maxEntries,
    map_flags: o.flags ?? 0, map_name: sanitizeName(o.name ?? ""),
  });
  for (;;) {
    const r = bpfRaw(BpfCmd.MapCreate, attr, MapCreateAttr.size);
    if (r >= 0) return r;
    if (-r === EPERM && bumpMemlock()) continue;
    throw syscallError(`bpf map create ${o.name ?? ""}`.trimEnd(), -r);
  }
}

export interface ProgLoadOptions {
  readonly type?: number;
  readonly insns: Buffer;
  readonly license: string;
  readonly name?: string;
  /** When given, the verifier writes its log here (log_level 1). */
  readonly log?: Buffer;
}

/** BPF_PROG_LOAD: the prog fd, or a ToolError with `errno` (the log, if any, is in `log`). */
export function progLoad(o: ProgLoadOptions): number | ToolError {
  const license = Buffer.from(`${o.license}\0`, "utf8");
  const attr = encodeAttr(ProgLoadAttr, {
    prog_type: o.type ?? ProgType.Tracepoint, insn_cnt: o.insns.length / 8, insns: o.insns, license,
    prog_name: sanitizeName(o.name ?? ""),
    ...(o.log === undefined ? {} : { log_level: 1, log_size: o.log.length, log_buf: o.log }),
  });
  for (let attempt = 0; ; attempt++) {
    const r = bpfRaw(BpfCmd.ProgLoad, attr, ProgLoadAttr.size);
    if (r >= 0) return r;
    if (-r === EAGAIN && attempt < 5) continue; // verifier interrupted by a signal: retry
    if (-r === EPERM && bumpMemlock()) continue;
    return syscallError(`bpf prog load ${o.name ?? ""}`.trimEnd(), -r);
  }
}

/** BPF_LINK_CREATE for a perf event (5.15+): the link fd. */
export function linkCreatePerfEvent(progFd: number, perfFd: number, attachType: number): number {
  const attr = encodeAttr(LinkCreateAttr, { prog_fd: progFd, target_fd: perfFd, attach_type: attachType });
  return bpfCall("bpf link create", BpfCmd.LinkCreate, LinkCreateAttr, attr);
}

/** Kernel object names: at most 15 bytes of [A-Za-z0-9_.]. */
export function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, "_").slice(0, 15);
}

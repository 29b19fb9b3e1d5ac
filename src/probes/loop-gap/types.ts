// What LoopGapProbe hands out: gap statistics, a companion's maps, the loop threads it tracks.
import type { BpfMap, ProgArray } from "../../bpf/map.js";
import type { PidNamespace } from "./nspid.js";

export interface GapStats {
  count: bigint;
  sumNs: bigint;
  minNs: bigint;
  maxNs: bigint;
  quantileNs(q: number): bigint;
  /** The raw log-linear histogram (see histogram.ts bucketBounds); empty without stats. */
  buckets: BigUint64Array;
}

/**
 * What a companion probe builds its programs on (config.companionBytes > 0). The maps stay owned
 * by the loop-gap probe: close the companion's programs first.
 */
export interface Companion {
  /** HASH u32 tid → THREAD (layout.ts; run_start is 0 while the thread waits), then the companion's bytes. */
  readonly threads: BpfMap;
  /** Where the companion's bytes start in a threads value. */
  readonly offset: number;
  readonly bytes: number;
  /** ARRAY[1] of TID_FILTER_BYTES: byte [tid & mask] set for every thread that has an entry. */
  readonly tidBits: BpfMap;
  /** The PID namespace of the tids used as keys (undefined: the initial one). */
  readonly pidNamespace: PidNamespace | undefined;
  /**
   * In raw_syscalls mode (config.rawSyscalls honoured): put the companion's raw_syscalls programs
   * (PROG_TYPE_RAW_TRACEPOINT; ctx = the raw tracepoint's arguments) in these slots instead of
   * attaching them. Slot `enter` runs for every sys_enter of the system except the epoll waits
   * (a poll/select wait runs it after loop-gap's own work); slot `exit` runs for every sys_exit of
   * a thread that has an entry and is in a run phase. Undefined otherwise: attach your own.
   */
  readonly syscallTailCalls: { readonly map: ProgArray; readonly enter: number; readonly exit: number } | undefined;
}

export interface LoopThread {
  pid: number;
  tid: number;
  /** /proc/PID/task/TID/comm at the time of the call ("" if it could not be read). */
  name: string;
  /**
   * How it waits: "epoll" (asyncio, uvloop, libuv) or "poll-select" (a selector loop, or a
   * thread that only ever polls one socket, e.g. an executor thread resolving names: callers may
   * want to treat those with care).
   */
  waits: "epoll" | "poll-select";
}

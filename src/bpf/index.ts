// A small general eBPF toolkit: assemble programs in TypeScript, load and attach them through raw
// syscalls, read maps and ring buffers. Knows nothing about blocksnoop.
export * as asm from "./asm/index.js";
export { BpfMap, MmapArray, PerCpuArray, ProgArray, hashMap, arrayMap, u32Key, roundUp8, type MapSpec } from "./map.js";
export { MapWalker } from "./map-walker.js";
export { Program, VerifierError, lastRelevantLines, type ProgramSpec } from "./program.js";
export { TracepointLink } from "./link.js";
export { RawTracepointLink, PROG_TYPE_RAW_TRACEPOINT, RAW_SYS_REGS, RAW_SYS_ENTER_ID, RAW_SYS_EXIT_RET } from "./raw-tracepoint.js";
export { tracefsRoot, tracefsFromMountinfo, parseFormat, readTracepoint, type TracepointFormat, type TracepointField } from "./tracefs.js";
export { RingBuffer } from "./ringbuf.js";
export { drainRecords, RINGBUF_BUSY_BIT, RINGBUF_DISCARD_BIT, RINGBUF_HDR_SIZE, type RingViews } from "./ringbuf-records.js";
export { FdWaiter } from "./waiter.js";
export { probeFeature, type Feature, type FeatureResult } from "./features.js";
export { programIds, pageSize, possibleCpuCount, parseCpuList, MapType, ProgType, pidfdOpen, closeFd } from "./sys/index.js";
export { monotonicNs } from "./clock.js";

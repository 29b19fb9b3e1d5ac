// Feature probes: "not supported" is an answer, not a crash. Results are memoised per process.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ToolError } from "../errors.js";
import { BPF_PERF_EVENT, closeFd, EBADF, linkCreatePerfEvent, MapType, mapCreate, pageSize } from "./sys/index.js";
import { Program } from "./program.js";
import { exit, mov64Imm } from "./asm/insn.js";
import { R0 } from "./asm/opcodes.js";
import { tracefsRoot } from "./tracefs.js";

export type Feature = "ring-buffer" | "bpf-link-perf-event" | "epoll-pwait2";

export type FeatureResult =
  | { readonly feature: Feature; readonly supported: true }
  | { readonly feature: Feature; readonly supported: false; readonly minimumKernel: string; readonly reason: string };

const MINIMUM: Record<Feature, string> = {
  "ring-buffer": "5.8",
  "bpf-link-perf-event": "5.15",
  "epoll-pwait2": "5.11",
};

const memo = new Map<Feature, FeatureResult>();

export function probeFeature(feature: Feature): FeatureResult {
  const known = memo.get(feature);
  if (known !== undefined) return known;
  let reason: string | undefined;
  try {
    reason = PROBES[feature]();
  } catch (e) {
    if (e instanceof ToolError && e.kind === "permission") throw e; // not an answer about the kernel
    reason = e instanceof ToolError ? e.chain() : String(e);
  }
  const result: FeatureResult = reason === undefined ? { feature, supported: true } : { feature, supported: false, minimumKernel: MINIMUM[feature], reason };
  memo.set(feature, result);
  return result;
}

/** Each probe returns undefined when supported, or why not. */
const PROBES: Record<Feature, () => string | undefined> = {
  "ring-buffer": () => {
    closeFd(mapCreate({ type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: pageSize(), name: "probe_ringbuf" }));
    return undefined;
  },
  "bpf-link-perf-event": () => {
    // As cilium's haveBPFLinkPerfEvent: an invalid perf fd gives EBADF only when the kernel knows
    // link_create for perf events; older kernels reject the attach type with EINVAL.
    const prog = Program.load({ name: "probe_link", instructions: [mov64Imm(R0, 0), exit()] });
    try {
      linkCreatePerfEvent(prog.fd, -1, BPF_PERF_EVENT);
      return "link_create accepted an invalid fd";
    } catch (e) {
      if (e instanceof ToolError && e.errno === EBADF) return undefined;
      throw e;
    } finally {
      prog.close();
    }
  },
  "epoll-pwait2": () =>
    existsSync(join(tracefsRoot(), "events/syscalls/sys_enter_epoll_pwait2")) ? undefined : "no sys_enter_epoll_pwait2 tracepoint",
};

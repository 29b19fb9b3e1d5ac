// bpf: can this process really use BPF here? Create a map, load a trivial tracepoint program, and
// ask the toolkit's feature probes (ring buffer, BPF links). Every object is closed before return.
import { asm, BpfMap, MapType, Program, probeFeature, type Feature } from "../bpf/index.js";
import { isToolError } from "../errors.js";
import { fail, ok, warn, type Check } from "./check.js";

const PERMISSION_HINT = "run as root (sudo), or grant CAP_BPF + CAP_PERFMON (Linux ≥ 5.8; CAP_SYS_ADMIN before)";

const why = (e: unknown): string => (isToolError(e) ? e.chain() : e instanceof Error ? e.message : String(e));
const hintFor = (e: unknown, other: string): string => (isToolError(e) && e.kind === "permission" ? PERMISSION_HINT : (isToolError(e) ? e.hint : undefined) ?? other);

/** The smallest program the verifier accepts: `return 0`. */
export function loadTrivialProgram(name: string): Program {
  return Program.load({ name, instructions: [asm.mov64Imm(asm.R0, 0), asm.exit()] });
}

export interface BpfResult {
  readonly checks: Check[];
  readonly usable: boolean; // a map and a tracepoint program both loaded
}

export function bpfChecks(): BpfResult {
  const map = tryBpf("bpf-map", "created a hash map", () => new BpfMap({ type: MapType.Hash, name: "doctor_map", keySize: 4, valueSize: 8, maxEntries: 1 }));
  const prog = tryBpf("bpf-program", "loaded a tracepoint program", () => loadTrivialProgram("doctor_prog"));
  const usable = map.status === "ok" && prog.status === "ok";
  return { checks: [map, prog, feature("ring-buffer", usable, true), feature("bpf-link-perf-event", usable, false)], usable };
}

function tryBpf(id: string, done: string, make: () => { close(): void }): Check {
  try {
    make().close();
    return ok(id, done);
  } catch (e) {
    return fail(id, why(e), hintFor(e, "see the capabilities and lockdown checks"));
  }
}

const FEATURE_TEXT: Record<Feature, { id: string; supported: string; missing: string }> = {
  "ring-buffer": { id: "ring-buffer", supported: "BPF ring buffer available", missing: "no BPF ring buffer: blocks cannot reach user space" },
  "bpf-link-perf-event": { id: "bpf-link", supported: "BPF links for perf events: programs detach when blocksnoop dies", missing: "no BPF links for perf events: falls back to the ioctl attach" },
  "epoll-pwait2": { id: "epoll-pwait2", supported: "epoll_pwait2 traceable", missing: "no epoll_pwait2" },
};

function feature(f: Feature, usable: boolean, required: boolean): Check {
  const t = FEATURE_TEXT[f];
  if (!usable) return warn(t.id, "not checked: bpf() does not work here", PERMISSION_HINT);
  try {
    const r = probeFeature(f);
    if (r.supported) return ok(t.id, t.supported);
    const detail = `${t.missing} (needs Linux ≥ ${r.minimumKernel}): ${r.reason}`;
    const hint = `upgrade the kernel to ≥ ${r.minimumKernel}`;
    return required ? fail(t.id, detail, hint) : warn(t.id, detail, hint);
  } catch (e) {
    return fail(t.id, why(e), hintFor(e, "see the bpf-program check"));
  }
}

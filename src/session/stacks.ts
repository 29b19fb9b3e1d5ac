// stacks: the attributor the CLI uses — the sampler worker (gated by the probe's run-phase map)
// and the correlator (exact block windows), from correlate/.
import type { AttributorFactory } from "./watcher.js";

export const stackAttributors: AttributorFactory = async (_probe, cfg, notice) => {
  // Loaded after the probes are armed: the sampler, correlator and Python reader are most of
  // the tool's code, and detection must not wait for them.
  const { StackAttribution } = await import("../correlate/attribution.js");
  const a = await StackAttribution.start({
    pids: cfg.pids,
    tid: cfg.tid ?? null,
    thresholdNs: BigInt(Math.round(cfg.thresholdMs * 1e6)),
    intervalNs: BigInt(Math.round(cfg.sampleIntervalMs * 1e6)),
    onNotice: notice,
  });
  return {
    addPid: (pid) => a.addPid(pid),
    attribute: async (gap) => {
      const r = await a.attribute(gap);
      // The original tool reported `source` stripped of indentation; so do we.
      const stacks = r.stacks?.map((s) => ({ ...s, frames: s.frames.map((f) => ({ ...f, source: f.source?.trim() ?? null })) })) ?? null;
      return { stacks, task: r.task, threadName: r.threadName, samples: r.samples, status: r.status };
    },
    close: () => a.close(),
  };
};

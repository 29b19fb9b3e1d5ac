// One probe session against fixtures: open after they are ready, go, wait for their truth, close.
import { LoopGapProbe, type GapEvent, type GapStats, type LoopGapConfig, type LoopThread } from "../../../src/probes/loop-gap/index.js";
import type { Fixture, Ready, TruthBlock } from "./fixture.js";
import { collect } from "./match.js";

export interface Session {
  ready: Ready[];
  truth: TruthBlock[][];
  events: GapEvent[];
  stats: GapStats;
  dropped: bigint;
  loopThreads: LoopThread[];
}

/** `whileRunning` runs after "go", while the fixtures still run (their threads still exist). */
export async function runSession(
  fixtures: Fixture[],
  config: Omit<LoopGapConfig, "pids"> & { pids?: number[] },
  whileRunning?: (probe: LoopGapProbe) => Promise<void>,
): Promise<Session> {
  try {
    const ready = await Promise.all(fixtures.map((f) => f.ready));
    const probe = await LoopGapProbe.open({ ...config, pids: config.pids ?? ready.map((r) => r.pid) });
    try {
      const events = collect(probe.events());
      for (const f of fixtures) f.go();
      await whileRunning?.(probe);
      const truth = await Promise.all(fixtures.map((f) => f.done));
      const stats = probe.readStats();
      const dropped = probe.dropped();
      const loopThreads = probe.loopThreads();
      probe.close();
      return { ready, truth, events: await events, stats, dropped, loopThreads };
    } finally {
      probe.close();
      await probe.whenClosed();
    }
  } finally {
    for (const f of fixtures) f.kill();
  }
}

// What a loop-gap probe is asked to do, checked once at the edge.
import { ToolError } from "../../errors.js";

export interface LoopGapConfig {
  /** Target tgids as the kernel sees them (init pid namespace). */
  pids: readonly number[];
  /** Only this thread, when given. */
  tid?: number;
  /** Emit events for gaps ≥ this; null = no events (stats only). */
  thresholdNs: bigint | null;
  /** Keep the in-kernel histogram. */
  stats: boolean;
  /** Power of two, page multiple; default 256 KiB. */
  ringBufferBytes?: number;
}

export const DEFAULT_RING_BYTES = 256 * 1024;

export function validateConfig(c: LoopGapConfig): void {
  for (const pid of c.pids) if (!Number.isInteger(pid) || pid <= 0) throw new ToolError("usage", `open loop-gap probe: bad pid ${pid}`);
  if (c.tid !== undefined && (!Number.isInteger(c.tid) || c.tid <= 0)) throw new ToolError("usage", `open loop-gap probe: bad tid ${c.tid}`);
  if (c.thresholdNs !== null && c.thresholdNs < 0n) throw new ToolError("usage", "open loop-gap probe: negative threshold");
  if (c.thresholdNs === null && !c.stats) throw new ToolError("usage", "open loop-gap probe: neither events (threshold) nor stats requested");
}

// Matching kernel gap events against a fixture's ground truth.
import assert from "node:assert/strict";
import type { GapEvent } from "../../../src/probes/loop-gap/index.js";
import type { TruthBlock } from "./fixture.js";

const TOLERANCE_NS = 500_000n; // 0.5 ms

/** Every truth block is inside exactly one event of its tid, with a duration within 0.5 ms. */
export function assertBlocksReported(events: readonly GapEvent[], truth: readonly TruthBlock[]): void {
  for (const b of truth) {
    const matches = events.filter((e) => e.tid === b.tid && e.startNs <= b.startNs && b.endNs <= e.endNs);
    assert.equal(matches.length, 1, `block ${fmt(b)} matched ${matches.length} events: ${events.map(fmtEvent).join(", ")}`);
    const e = matches[0]!; // length checked above
    const diff = e.endNs - e.startNs - (b.endNs - b.startNs);
    assert.ok(diff >= 0n && diff < TOLERANCE_NS, `block ${fmt(b)}: kernel ${fmtEvent(e)} differs by ${diff} ns`);
  }
}

function fmt(b: TruthBlock): string {
  return `tid ${b.tid} [${b.startNs}, ${b.endNs}] (${(b.endNs - b.startNs) / 1000n} µs)`;
}
function fmtEvent(e: GapEvent): string {
  return `tid ${e.tid} [${e.startNs}, ${e.endNs}] (${(e.endNs - e.startNs) / 1000n} µs)`;
}

/** Collect events until `until` settles, then close the probe and collect the rest. */
export async function collect(iter: AsyncIterableIterator<GapEvent>): Promise<GapEvent[]> {
  const out: GapEvent[] = [];
  for await (const e of iter) out.push(e);
  return out;
}

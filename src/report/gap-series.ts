// gap-series: the kernel's log-linear gap histogram → cumulative counts at Prometheus bounds.
// A kernel bucket is at most 1/128 of its value wide: it is counted under `le` when its lower
// bound is below `le`, so a count can include gaps up to 0.8 % above the bound.
import { bucketBounds } from "../probes/loop-gap/histogram.js";
import type { GapSeries } from "./metrics.js";

export const GAP_BOUNDS_S = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function seriesFromHistogram(hist: ArrayLike<bigint>, count: bigint, sumNs: bigint, labels: Record<string, string>): GapSeries {
  const bounds = GAP_BOUNDS_S.map((s) => BigInt(Math.round(s * 1e9)));
  const cumulative = bounds.map(() => 0n);
  for (let i = 0; i < hist.length; i++) {
    const n = hist[i] ?? 0n;
    if (n === 0n) continue;
    const [lo] = bucketBounds(i);
    for (let b = 0; b < bounds.length; b++) if (lo < (bounds[b] ?? 0n)) cumulative[b] = (cumulative[b] ?? 0n) + n;
  }
  return {
    labels,
    buckets: GAP_BOUNDS_S.map((le, i) => ({ le, count: Number(cumulative[i] ?? 0n) })),
    count: Number(count),
    sumSeconds: Number(sumNs) / 1e9,
  };
}

// Log-linear histogram of gap durations (ns): exact below 128 ns, then 128 linear sub-buckets per
// power of two, so a bucket is at most 1/128 of its value wide and its midpoint is within 0.4%
// of any value in it. Same scheme as bpftrace's hist(n, k) with k = 7 (createLog2Function).
// The BPF builder (program.ts) computes bucketOf() in the kernel; these functions are the spec.

export const SUB_BITS = 7;
export const SUB_BUCKETS = 1 << SUB_BITS; // 128
/** Largest most-significant-bit kept apart; gaps ≥ 2^(MAX_MSB+1) ns (~2.4 h) share the top bucket. */
export const MAX_MSB = 42;
export const BUCKETS = (MAX_MSB - SUB_BITS + 2) << SUB_BITS; // 4736

export function msb(v: bigint): number {
  return v <= 0n ? 0 : v.toString(2).length - 1;
}

export function bucketOf(v: bigint): number {
  if (v < BigInt(SUB_BUCKETS)) return v < 0n ? 0 : Number(v);
  const m = msb(v);
  if (m > MAX_MSB) return BUCKETS - 1;
  const l = m - SUB_BITS;
  return ((l + 1) << SUB_BITS) + Number((v >> BigInt(l)) & BigInt(SUB_BUCKETS - 1));
}

/** [low, high) in ns of bucket `i`. */
export function bucketBounds(i: number): readonly [bigint, bigint] {
  if (i < SUB_BUCKETS) return [BigInt(i), BigInt(i + 1)];
  const l = BigInt((i >> SUB_BITS) - 1);
  const low = BigInt(SUB_BUCKETS | (i & (SUB_BUCKETS - 1))) << l;
  return [low, low + (1n << l)];
}

/**
 * The q-quantile (0 ≤ q ≤ 1, nearest rank) of the values counted in `hist`: the midpoint of the
 * bucket holding that rank, clamped to [min, max] when given. 0n for an empty histogram.
 */
export function quantileFromHistogram(hist: ArrayLike<bigint>, q: number, min?: bigint, max?: bigint): bigint {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is not in [0, 1]`);
  let total = 0n;
  for (let i = 0; i < hist.length; i++) total += hist[i] ?? 0n;
  if (total === 0n) return 0n;
  let rank = BigInt(Math.ceil(q * Number(total)));
  if (rank < 1n) rank = 1n;
  let seen = 0n;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i] ?? 0n;
    if (seen >= rank) {
      const [lo, hi] = bucketBounds(i);
      let v = hi - lo === 1n ? lo : lo + (hi - lo) / 2n;
      if (min !== undefined && v < min) v = min;
      if (max !== undefined && v > max) v = max;
      return v;
    }
  }
  return max ?? 0n;
}

/** CLOCK_MONOTONIC in ns: the clock of bpf_ktime_get_ns (helpers.c) and process.hrtime. */
export function monotonicNs(): bigint {
  return process.hrtime.bigint();
}

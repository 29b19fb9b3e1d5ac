// schedule: when to read a loop thread's stack. Pure, so the policy is tested without a target.
// A thread is sampled only once its current run phase (kernel `since[tid]`) is older than the
// gate; a healthy loop therefore costs one map lookup per thread per tick and no stack reads.
// During a block it is sampled every interval, backing off (doubling) only in very long blocks so
// memory stays flat; each sample carries the period in force so weights stay time-true.

export interface ScheduleConfig {
  /** Sample a thread only when its run phase is at least this old. */
  gateNs: bigint;
  /** How often an idle (waiting or young-phase) thread is looked at. */
  tickNs: bigint;
  /** Sampling period during a block. */
  intervalNs: bigint;
  /** Samples in one run phase after which the period doubles (again after as many more). */
  backoffAfter: number;
  /** The period never backs off beyond this. */
  maxPeriodNs: bigint;
}

export interface ScheduleOptions {
  /** Default threshold / 4. */
  gateNs?: bigint;
  /** Default 1 ms. */
  intervalNs?: bigint;
  backoffAfter?: number;
  maxPeriodNs?: bigint;
}

const MS = 1_000_000n;

/**
 * Defaults from the block threshold: gate = threshold/4, tick = gate (≥ 1 ms), interval 1 ms.
 * A tick of one gate is enough for sampling to start exactly at the gate: the first look at a
 * new run phase comes at most one tick after it began, so at an age ≤ gate, and `decide` then
 * waits for the gate to the nanosecond. A shorter tick would only add wake-ups to a healthy loop.
 */
export function scheduleFor(thresholdNs: bigint, o: ScheduleOptions = {}): ScheduleConfig {
  const gateNs = o.gateNs ?? thresholdNs / 4n;
  const intervalNs = o.intervalNs ?? MS;
  return {
    gateNs,
    tickNs: gateNs > MS ? gateNs : MS,
    intervalNs: intervalNs > 0n ? intervalNs : MS,
    backoffAfter: o.backoffAfter ?? 10_000, // 10 s of a block at 1 ms before the first back-off
    maxPeriodNs: o.maxPeriodNs ?? 100n * MS,
  };
}

/** What the scheduler remembers of one thread. */
export interface ThreadSchedule {
  phaseStartNs: bigint | undefined; // the run phase seen at the last look; undefined: waiting
  nextDueNs: bigint | undefined; // when the next read of this phase is due (fixed rate)
  samplesInPhase: number;
}

export const idleSchedule = (): ThreadSchedule => ({ phaseStartNs: undefined, nextDueNs: undefined, samplesInPhase: 0 });

export type Decision =
  | { kind: "sample"; periodNs: bigint }
  | { kind: "wait"; untilNs: bigint }; // nothing to do for this thread before untilNs

export function periodFor(samplesInPhase: number, c: ScheduleConfig): bigint {
  const doublings = Math.min(Math.floor(samplesInPhase / Math.max(1, c.backoffAfter)), 30);
  const p = c.intervalNs << BigInt(doublings);
  return p < c.maxPeriodNs || c.intervalNs >= c.maxPeriodNs ? p : c.maxPeriodNs;
}

/** Updates `s` with the phase just read from the kernel and says whether to sample now. */
export function decide(s: ThreadSchedule, phaseStartNs: bigint | undefined, nowNs: bigint, c: ScheduleConfig): Decision {
  if (phaseStartNs !== s.phaseStartNs) {
    s.phaseStartNs = phaseStartNs;
    s.nextDueNs = undefined;
    s.samplesInPhase = 0;
  }
  if (phaseStartNs === undefined) return { kind: "wait", untilNs: nowNs + c.tickNs };
  // A phase younger than the gate needs no look before the gate: a later phase starts later.
  const gateAt = phaseStartNs + c.gateNs;
  if (nowNs < gateAt) return { kind: "wait", untilNs: gateAt };
  if (s.nextDueNs !== undefined && nowNs < s.nextDueNs) return { kind: "wait", untilNs: s.nextDueNs };
  return { kind: "sample", periodNs: periodFor(s.samplesInPhase, c) };
}

/**
 * Record a read that started at `startNs`. Fixed rate: the next read is due one period after the
 * previous due time, so wake-up latency (Atomics.wait overshoot, a busy core) does not stretch
 * every period; after a stall longer than a period the lost reads are skipped, never bursted.
 */
export function sampled(s: ThreadSchedule, startNs: bigint, periodNs: bigint): void {
  const prevDue = s.nextDueNs ?? startNs;
  let next = prevDue + periodNs;
  if (next < startNs) next = startNs + periodNs; // fell more than a period behind: no catch-up burst
  const minGap = periodNs / 4n; // never two reads back to back
  if (next < startNs + minGap) next = startNs + minGap;
  s.nextDueNs = next;
  s.samplesInPhase++;
}

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

/** Defaults from the block threshold: gate = threshold/4, tick = gate/2 (≥ 1 ms), interval 1 ms. */
export function scheduleFor(thresholdNs: bigint, o: ScheduleOptions = {}): ScheduleConfig {
  const gateNs = o.gateNs ?? thresholdNs / 4n;
  const half = gateNs / 2n;
  const intervalNs = o.intervalNs ?? MS;
  return {
    gateNs,
    tickNs: half > MS ? half : MS,
    intervalNs: intervalNs > 0n ? intervalNs : MS,
    backoffAfter: o.backoffAfter ?? 10_000, // 10 s of a block at 1 ms before the first back-off
    maxPeriodNs: o.maxPeriodNs ?? 100n * MS,
  };
}

/** What the scheduler remembers of one thread. */
export interface ThreadSchedule {
  phaseStartNs: bigint | undefined; // the run phase seen at the last look; undefined: waiting
  lastSampleNs: bigint | undefined; // start of the last read in this phase
  samplesInPhase: number;
}

export const idleSchedule = (): ThreadSchedule => ({ phaseStartNs: undefined, lastSampleNs: undefined, samplesInPhase: 0 });

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
    s.lastSampleNs = undefined;
    s.samplesInPhase = 0;
  }
  if (phaseStartNs === undefined) return { kind: "wait", untilNs: nowNs + c.tickNs };
  // A phase younger than the gate needs no look before the gate: a later phase starts later.
  const gateAt = phaseStartNs + c.gateNs;
  if (nowNs < gateAt) return { kind: "wait", untilNs: gateAt };
  const periodNs = periodFor(s.samplesInPhase, c);
  if (s.lastSampleNs !== undefined && nowNs < s.lastSampleNs + periodNs) return { kind: "wait", untilNs: s.lastSampleNs + periodNs };
  return { kind: "sample", periodNs };
}

/** Record a read that started at `startNs` in the current phase. */
export function sampled(s: ThreadSchedule, startNs: bigint): void {
  s.lastSampleNs = startNs;
  s.samplesInPhase++;
}

import { test } from "node:test";
import assert from "node:assert/strict";
import { decide, idleSchedule, periodFor, sampled, scheduleFor } from "../../src/sampler/schedule.js";

const MS = 1_000_000n;

test("defaults derive from the threshold: gate = threshold/4, tick = gate but ≥ 1 ms, 1 ms interval", () => {
  assert.deepEqual(scheduleFor(100n * MS), { gateNs: 25n * MS, tickNs: 25n * MS, intervalNs: MS, backoffAfter: 10_000, maxPeriodNs: 100n * MS });
  assert.equal(scheduleFor(4n * MS).tickNs, MS);
  assert.equal(scheduleFor(4n * MS, { gateNs: 2n * MS, intervalNs: 500_000n }).intervalNs, 500_000n);
});

test("a waiting thread is only looked at each tick", () => {
  const c = scheduleFor(100n * MS);
  const s = idleSchedule();
  assert.deepEqual(decide(s, undefined, 1000n * MS, c), { kind: "wait", untilNs: 1000n * MS + c.tickNs });
});

test("a young run phase is not sampled; the next look is exactly at the gate", () => {
  const c = scheduleFor(100n * MS);
  const s = idleSchedule();
  assert.deepEqual(decide(s, 990n * MS, 1000n * MS, c), { kind: "wait", untilNs: 1015n * MS });
  assert.deepEqual(decide(s, 990n * MS, 1015n * MS, c), { kind: "sample", periodNs: MS });
});

test("a tick of one gate still starts sampling exactly at the gate, wherever the phase began", () => {
  const c = scheduleFor(100n * MS);
  for (const offset of [1n, 12n * MS, c.tickNs - 1n, c.tickNs]) {
    // looks at 0, tick, 2·tick…; a phase starting `offset` after a look is first seen at age ≤ tick
    const start = 1000n * MS - offset + c.tickNs;
    const firstLook = 1000n * MS + c.tickNs;
    const d = decide(idleSchedule(), start, firstLook, c);
    const at = d.kind === "wait" ? d.untilNs : firstLook;
    assert.equal(at, start + c.gateNs, `phase begun ${offset} ns after a look`);
  }
});

test("during a block: one read per interval at a fixed rate; late wake-ups do not stretch the period", () => {
  const c = scheduleFor(4n * MS);
  const s = idleSchedule();
  assert.equal(decide(s, 0n, 2n * MS, c).kind, "sample");
  sampled(s, 2n * MS, MS);
  assert.deepEqual(decide(s, 0n, 2n * MS + 300_000n, c), { kind: "wait", untilNs: 3n * MS });
  assert.equal(decide(s, 0n, 3n * MS + 200_000n, c).kind, "sample"); // woke 0.2 ms late
  sampled(s, 3n * MS + 200_000n, MS);
  assert.equal(s.nextDueNs, 4n * MS); // still on the 1 ms grid
});

test("after a stall longer than a period the lost reads are skipped, not bursted", () => {
  const c = scheduleFor(4n * MS);
  const s = idleSchedule();
  decide(s, 0n, 2n * MS, c);
  sampled(s, 2n * MS, MS);
  decide(s, 0n, 9n * MS, c);
  sampled(s, 9n * MS, MS);
  assert.equal(s.nextDueNs, 10n * MS);
  decide(s, 0n, 10n * MS + 900_000n, c);
  sampled(s, 10n * MS + 900_000n, MS); // due at 11 ms but only 0.1 ms later: at least period/4
  assert.equal(s.nextDueNs, 11n * MS + 150_000n);
});

test("a new run phase resets the thread's state", () => {
  const c = scheduleFor(4n * MS);
  const s = idleSchedule();
  decide(s, 0n, 2n * MS, c);
  sampled(s, 2n * MS, MS);
  assert.deepEqual(decide(s, 5n * MS, 5n * MS + 100n, c), { kind: "wait", untilNs: 6n * MS });
  assert.equal(s.samplesInPhase, 0);
  assert.equal(s.nextDueNs, undefined);
});

test("very long blocks back off by doubling, capped", () => {
  const c = scheduleFor(4n * MS, { backoffAfter: 10, maxPeriodNs: 5n * MS });
  assert.equal(periodFor(9, c), MS);
  assert.equal(periodFor(10, c), 2n * MS);
  assert.equal(periodFor(25, c), 4n * MS);
  assert.equal(periodFor(35, c), 5n * MS);
  assert.equal(periodFor(1_000_000, c), 5n * MS);
});

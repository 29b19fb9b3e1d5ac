// Loop-gap in raw_syscalls mode (config.rawSyscalls; what the CLI uses with cause accounting):
// the same truths as the per-syscall tracepoint mode, plus the companion's tail-call slots.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { requireRoot } from "../../helpers/root.js";
import { LoopGapProbe, type GapEvent, type LoopGapConfig } from "../../../src/probes/loop-gap/index.js";
import { MmapArray, Program, PROG_TYPE_RAW_TRACEPOINT } from "../../../src/bpf/index.js";
import { atomicAdd, exit, ldMapValue, mov64Imm } from "../../../src/bpf/asm/insn.js";
import { R0, R1, R2, Size } from "../../../src/bpf/asm/opcodes.js";
import { BUCKETS, bucketOf } from "../../../src/probes/loop-gap/histogram.js";
import { Fixture, FIXTURES, nodeFixture, pythonFixture, type Ready } from "./fixture.js";
import { assertBlocksReported, collect } from "./match.js";
import { runSession } from "./run.js";

const RAW = { rawSyscalls: true } as const;
const THRESHOLD = 30_000_000n;
const BLOCKS = [{ ms: 60, how: "sleep" }, { ms: 45, how: "busy" }, { ms: 5, how: "sleep" }, { ms: 50, how: "socket" }, { ms: 120, how: "sleep" }];

/** runSession, and the probe really was in raw_syscalls mode. */
async function rawSession(fixtures: Fixture[], config: Omit<LoopGapConfig, "pids">) {
  let via = "";
  const s = await runSession(fixtures, { ...config, ...RAW }, async (probe) => {
    via = probe.syscallsVia;
  });
  assert.equal(via, "raw-syscalls");
  return s;
}

// 3.8 sleeps with select(0, …) (a 0-fd wait inside a callback), 3.12 with clock_nanosleep; Debian's 3.11 too.
for (const python of ["/root/.pyenv/versions/3.8.18/bin/python3", "/root/.pyenv/versions/3.12.1/bin/python3", "/usr/bin/python3.11"]) {
  test(`raw_syscalls: asyncio on ${python}: every block ≥ threshold once, exactly`, async (t) => {
    if (!requireRoot(t)) return;
    const s = await rawSession([pythonFixture(python, { blocks: BLOCKS })], { thresholdNs: THRESHOLD, stats: false });
    assert.equal(s.truth[0]!.length, BLOCKS.length);
    assertBlocksReported(s.events, s.truth[0]!.filter((b) => b.endNs - b.startNs >= THRESHOLD));
    assert.ok(s.events.every((e) => e.pid === s.ready[0]!.pid && e.endNs - e.startNs >= THRESHOLD));
    assert.equal(s.dropped, 0n);
  });
}

for (const selector of ["poll", "select"] as const) {
  test(`raw_syscalls: a selector loop on ${selector}() (fd count read from pt_regs)`, async (t) => {
    if (!requireRoot(t)) return;
    const blocks = [{ ms: 50, how: "busy" }, { ms: 70, how: "sleep" }];
    const s = await rawSession([pythonFixture("/root/.pyenv/versions/3.12.1/bin/python3", { selector, blocks })], { thresholdNs: THRESHOLD, stats: false });
    assertBlocksReported(s.events, s.truth[0]!);
  });
}

test("raw_syscalls: uvloop and a Node.js loop (epoll_pwait), a loop in a non-main thread (--tid)", async (t) => {
  if (!requireRoot(t)) return;
  execFileSync("/usr/bin/python3.11", ["-c", "import uvloop"]);
  const uv = await rawSession([pythonFixture("/usr/bin/python3.11", { loop: "uvloop", blocks: [{ ms: 50, how: "busy" }, { ms: 40, how: "socket" }] })], { thresholdNs: THRESHOLD, stats: false });
  assertBlocksReported(uv.events, uv.truth[0]!);
  const node = await rawSession([nodeFixture({ blocks: [{ ms: 60, how: "busy" }, { ms: 80, how: "atomics" }] })], { thresholdNs: THRESHOLD, stats: false });
  assertBlocksReported(node.events.filter((e) => e.tid === node.ready[0]!.tid), node.truth[0]!);
  const fx = pythonFixture("/root/.pyenv/versions/3.13.0/bin/python3", { thread: true, blocks: [{ ms: 70, how: "busy" }, { ms: 100, how: "sleep" }] });
  let ready: Ready;
  try {
    ready = await fx.ready;
  } catch (e) {
    fx.kill();
    throw e;
  }
  const th = await rawSession([fx], { thresholdNs: THRESHOLD, stats: false, tid: ready.tid });
  assertBlocksReported(th.events, th.truth[0]!);
  assert.ok(th.events.every((e) => e.tid === ready.tid && e.tid !== ready.pid));
});

test("raw_syscalls: the histogram counts every gap, equal to the events bucket by bucket", async (t) => {
  if (!requireRoot(t)) return;
  const s = await rawSession([pythonFixture("/root/.pyenv/versions/3.12.1/bin/python3", {
    blocks: [{ ms: 3, how: "busy" }, { ms: 25, how: "sleep" }, { ms: 40, how: "busy" }],
    healthy: 200,
  })], { thresholdNs: 0n, stats: true, ringBufferBytes: 1 << 20 });
  assert.equal(s.dropped, 0n);
  const gaps = s.events.map((e) => e.endNs - e.startNs);
  assert.ok(gaps.length > 200);
  assert.equal(s.stats.count, BigInt(gaps.length));
  assert.equal(s.stats.sumNs, gaps.reduce((a, b) => a + b, 0n));
  const expected = new BigUint64Array(BUCKETS);
  for (const g of gaps) expected[bucketOf(g)]! += 1n;
  assert.deepEqual(s.stats.buckets, expected);
});

test("raw_syscalls: a forked child (tgid filter set by the fork program) and a pid added at run time", async (t) => {
  if (!requireRoot(t)) return;
  const PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3";
  // `; true` keeps sh from exec'ing python: python is a forked child of the target.
  const f = new Fixture("/bin/sh", ["-c", 'read x; "$0" "$@"; true', PYTHON, join(FIXTURES, "blocker.py"), JSON.stringify({ blocks: [{ ms: 50, how: "busy" }] })]);
  const late = pythonFixture(PYTHON, { blocks: [{ ms: 40, how: "busy" }] });
  const probe = await LoopGapProbe.open({ pids: [f.child.pid!], thresholdNs: THRESHOLD, stats: false, ...RAW });
  let got: GapEvent[] = [];
  try {
    assert.equal(probe.syscallsVia, "raw-syscalls");
    const events = collect(probe.events());
    f.child.stdin?.write("start\n");
    const [ready, lateReady] = await Promise.all([f.ready, late.ready]);
    probe.addPid(lateReady.pid); // already waiting in epoll_wait: found on its first return
    f.go();
    late.go();
    const [truth, lateTruth] = await Promise.all([f.done, late.done]);
    probe.close();
    got = await events;
    assertBlocksReported(got.filter((e) => e.pid === ready.pid), truth);
    assertBlocksReported(got.filter((e) => e.pid === lateReady.pid), lateTruth);
  } finally {
    probe.close();
    await probe.whenClosed();
    f.kill();
    late.kill();
  }
});

test("raw_syscalls: the companion's slots run — enter for other syscalls, exit for a loop thread's syscalls in a phase", async (t) => {
  if (!requireRoot(t)) return;
  const counts = new MmapArray("t_counts", 16, 1);
  const counter = (at: number) => [ldMapValue(R1, counts, at), mov64Imm(R2, 1), atomicAdd(Size.DW, R1, 0, R2), mov64Imm(R0, 0), exit()];
  const enter = Program.load({ name: "t_enter", type: PROG_TYPE_RAW_TRACEPOINT, instructions: counter(0) });
  const exitProg = Program.load({ name: "t_exit", type: PROG_TYPE_RAW_TRACEPOINT, instructions: counter(8) });
  const fx = pythonFixture("/root/.pyenv/versions/3.12.1/bin/python3", { blocks: [{ ms: 40, how: "sleep" }, { ms: 40, how: "sleep" }] });
  try {
    const s = await runSession([fx], { thresholdNs: THRESHOLD, stats: false, companionBytes: 8, ...RAW }, async (probe) => {
      const slots = probe.companion?.syscallTailCalls;
      assert.ok(slots !== undefined);
      slots.map.set(slots.enter, enter);
      slots.map.set(slots.exit, exitProg);
    });
    assertBlocksReported(s.events, s.truth[0]!);
    const view = new BigUint64Array(counts.view, 0, 2);
    assert.ok(view[0]! > 0n, "enter slot ran");
    // clock_nanosleep inside a callback (the slots are set just after "go": the first sleep may come first)
    assert.ok(view[1]! >= 1n, `exit slot ran: ${view[1]}`);
  } finally {
    enter.close();
    exitProg.close();
    counts.close();
  }
});

test("raw_syscalls is not honoured with a PID namespace: the wait tracepoints are used, and a note says why", async (t) => {
  if (!requireRoot(t)) return;
  const probe = await LoopGapProbe.open({ pids: [process.pid], thresholdNs: THRESHOLD, stats: false, pidNamespace: { dev: 0n, ino: 1n }, ...RAW });
  try {
    assert.equal(probe.syscallsVia, "tracepoints");
    assert.match(probe.notes.join("\n"), /PID namespace/);
    assert.equal(probe.companion, undefined);
  } finally {
    probe.close();
    await probe.whenClosed();
  }
});

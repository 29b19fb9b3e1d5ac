// Open/close leaves nothing behind, on success and on failure; wake fds; events() ends on close.
import { test } from "node:test";
import assert from "node:assert/strict";
import { requireRoot } from "../../helpers/root.js";
import { LoopGapProbe } from "../../../src/probes/loop-gap/index.js";
import { programIds } from "../../../src/bpf/index.js";
import { closeFd, eventfdCreate, eventfdSignal } from "../../../src/bpf/sys/index.js";
import { isToolError } from "../../../src/errors.js";
import { openFds, programsGone } from "../../bpf/leaks.js";

test("close() frees every fd and unloads every program; it is idempotent", async (t) => {
  if (!requireRoot(t)) return;
  const fds = openFds();
  const before = new Set(programIds());
  const probe = await LoopGapProbe.open({ pids: [process.pid], thresholdNs: 1_000_000n, stats: true });
  const ours = programIds().filter((id) => !before.has(id));
  assert.ok(ours.length >= 2, `loaded ${ours.length} programs`);
  assert.ok(probe.syscalls.includes("epoll_wait") && probe.syscalls.includes("epoll_pwait"));
  assert.ok(probe.armedAtNs > 0n);
  const it = probe.events();
  const ended = it.next();
  probe.close();
  probe.close();
  assert.equal((await ended).done, true, "events() ends after close()");
  await probe.whenClosed();
  assert.deepEqual(await programsGone(ours), []);
  assert.equal(openFds(), fds);
  assert.equal(probe.dropped(), 0n);
  assert.equal(probe.runPhaseStart(process.pid), undefined);
});

test("a failed open closes what it opened", async (t) => {
  if (!requireRoot(t)) return;
  const fds = openFds();
  const before = programIds().length;
  await assert.rejects(LoopGapProbe.open({ pids: [process.pid], thresholdNs: 1n, stats: true, ringBufferBytes: 3 * 4096 }), (e: unknown) => {
    assert.ok(isToolError(e));
    assert.match(e.chain(), /^open loop-gap probe: create ring buffer lg_events: size 12288 is not a power of two/);
    return true;
  });
  await assert.rejects(LoopGapProbe.open({ pids: [0], thresholdNs: 1n, stats: false }), /bad pid 0/);
  await assert.rejects(LoopGapProbe.open({ pids: [1], thresholdNs: null, stats: false }), /neither events/);
  assert.equal(openFds(), fds);
  assert.ok(programIds().length <= before);
});

test("addWakeFd calls back once when the fd becomes readable", async (t) => {
  if (!requireRoot(t)) return;
  const probe = await LoopGapProbe.open({ pids: [process.pid], thresholdNs: null, stats: true });
  const efd = eventfdCreate();
  try {
    let calls = 0;
    const woke = new Promise<void>((resolve) => probe.addWakeFd(efd, () => (calls++, resolve())));
    eventfdSignal(efd);
    await woke;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls, 1); // level-triggered fd, but removed after the first call
  } finally {
    probe.close();
    await probe.whenClosed();
    closeFd(efd);
  }
});

test("the probe sees this very process's Node loop (stats only)", async (t) => {
  if (!requireRoot(t)) return;
  const probe = await LoopGapProbe.open({ pids: [process.pid], thresholdNs: null, stats: true });
  try {
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 2));
    const s = probe.readStats();
    assert.ok(s.count >= 10n, `count ${s.count}`);
    assert.ok(s.minNs <= s.quantileNs(0.5) && s.quantileNs(0.5) <= s.maxNs);
    assert.ok(probe.loopThreads().some((x) => x.pid === process.pid && x.tid === process.pid));
  } finally {
    probe.close();
    await probe.whenClosed();
  }
});

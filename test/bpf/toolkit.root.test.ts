// The toolkit against the real kernel: maps, program load and verifier errors, tracepoint attach,
// ring buffer delivery through the fd waiter, feature probes, and no leaked fds or programs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { requireRoot } from "../helpers/root.js";
import * as a from "../../src/bpf/asm/index.js";
import { R0, R1, R2, R3, R6, R10, Helper, Size } from "../../src/bpf/asm/index.js";
import { FdWaiter, MmapArray, PerCpuArray, Program, RingBuffer, TracepointLink, VerifierError, hashMap, possibleCpuCount, probeFeature, programIds, u32Key } from "../../src/bpf/index.js";
import { eventfdCreate, eventfdSignal, closeFd } from "../../src/bpf/sys/index.js";
import { openFds, programsGone } from "./leaks.js";

test("hash map: update, lookup, delete, keys", (t) => {
  if (!requireRoot(t)) return;
  const before = openFds();
  const m = hashMap("t_hash", 4, 8, 16);
  try {
    const v = Buffer.alloc(8);
    for (const k of [3, 1, 2]) {
      v.writeBigUInt64LE(BigInt(k * 10));
      m.update(u32Key(k), v);
    }
    assert.equal(m.lookup(u32Key(2))?.readBigUInt64LE(0), 20n);
    assert.equal(m.lookup(u32Key(9)), undefined);
    assert.deepEqual(m.keys().map((k) => k.readUInt32LE(0)).sort(), [1, 2, 3]);
    assert.equal(m.delete(u32Key(1)), true);
    assert.equal(m.delete(u32Key(1)), false);
    assert.ok(m.id > 0);
  } finally {
    m.close();
    m.close(); // idempotent
  }
  assert.equal(openFds(), before);
});

test("mmapable array: the mapping shows map updates; per-CPU array has one slot per possible CPU", (t) => {
  if (!requireRoot(t)) return;
  const before = openFds();
  const arr = new MmapArray("t_mmap", 16, 2);
  const pc = new PerCpuArray("t_pcpu", 8, 1);
  try {
    const v = Buffer.alloc(16);
    v.writeBigUInt64LE(0xabcn, 8);
    arr.update(u32Key(1), v);
    assert.equal(new BigUint64Array(arr.view)[3], 0xabcn);
    assert.equal(pc.lookupAll(0).length, possibleCpuCount());
  } finally {
    arr.close();
    pc.close();
  }
  assert.equal(openFds(), before);
});

test("a refused program throws VerifierError carrying the log", (t) => {
  if (!requireRoot(t)) return;
  const before = openFds();
  assert.throws(() => Program.load({ name: "t_bad", instructions: [a.exit()] }), (e: unknown) => {
    assert.ok(e instanceof VerifierError);
    assert.equal(e.kind, "verifier");
    assert.match(e.log, /R0 !read_ok/);
    assert.match(e.message, /R0 !read_ok/);
    assert.equal(e.errno, 13); // EACCES from the verifier
    return true;
  });
  assert.equal(openFds(), before);
});

test("a missing tracepoint is an answer (undefined), not an error", (t) => {
  if (!requireRoot(t)) return;
  const p = Program.load({ name: "t_nop", instructions: [a.mov64Imm(R0, 0), a.exit()] });
  try {
    assert.equal(TracepointLink.attach(p, "syscalls", "sys_enter_no_such_syscall"), undefined);
  } finally {
    p.close();
  }
});

test("feature probes answer and are memoised", (t) => {
  if (!requireRoot(t)) return;
  for (const f of ["ring-buffer", "bpf-link-perf-event", "epoll-pwait2"] as const) {
    const r = probeFeature(f);
    assert.equal(r.supported, true, `${f} on linux 6.18: ${JSON.stringify(r)}`);
    assert.equal(probeFeature(f), r);
  }
});

test("end to end: tracepoint program → ring buffer → fd waiter wakes; nothing leaks", async (t) => {
  if (!requireRoot(t)) return;
  const fdsBefore = openFds();
  const ring = new RingBuffer("t_ring", 4096 * 4);
  let prog: Program | undefined;
  let links: TracepointLink[] = [];
  const waiter = new FdWaiter();
  let progId = -1;
  try {
    // On sys_enter_getppid of this process, emit {u64 ktime}. process.ppid calls getppid(2) each time.
    prog = Program.load({
      name: "t_getppid",
      instructions: [
        a.call(Helper.GetCurrentPidTgid), a.rsh64Imm(R0, 32), a.jne32Imm(R0, process.pid, "out"),
        a.call(Helper.KtimeGetNs), a.stxDW(R10, -8, R0),
        a.ldMapFd(R1, ring), a.mov64Reg(R2, R10), a.add64Imm(R2, -8), a.mov64Imm(R3, 8), a.mov64Imm(R6, 0),
        a.mov64Imm(a.R4, 0), a.call(Helper.RingbufOutput),
        a.label("out"), a.mov64Imm(R0, 0), a.exit(),
      ],
    });
    progId = prog.id;
    assert.ok(programIds().includes(progId));
    const viaLink = TracepointLink.attach(prog, "syscalls", "sys_enter_getppid");
    const viaIoctl = TracepointLink.attach(prog, "syscalls", "sys_exit_getppid", false);
    assert.ok(viaLink && viaIoctl);
    links = [viaLink, viaIoctl];
    assert.equal(viaLink.via, "link");
    assert.equal(viaIoctl.via, "ioctl");
    waiter.add(ring.fd);
    const woke = waiter.wait(2000);
    const t0 = process.hrtime.bigint();
    void process.ppid; // two syscalls, but only the enter program emits: the exit program is the same one
    assert.deepEqual(await woke, [ring.fd]);
    const got: bigint[] = [];
    ring.drain((r) => got.push(r.readBigUInt64LE(0)));
    assert.ok(got.length >= 1);
    assert.ok(got[0]! >= t0, "bpf_ktime_get_ns and process.hrtime share CLOCK_MONOTONIC");
    assert.equal(ring.pending(), 0n);
  } finally {
    for (const l of links) l.close();
    prog?.close();
    ring.close();
    waiter.close();
    await waiter.drained();
  }
  assert.deepEqual(await programsGone([progId]), []);
  assert.equal(openFds(), fdsBefore);
});

test("the fd waiter: interrupt and close end a wait; an eventfd wakes it", async (t) => {
  if (!requireRoot(t)) return;
  const before = openFds();
  const w = new FdWaiter();
  const efd = eventfdCreate();
  try {
    const p1 = w.wait();
    w.interrupt();
    assert.deepEqual(await p1, []);
    w.add(efd);
    const p2 = w.wait();
    eventfdSignal(efd);
    assert.deepEqual(await p2, [efd]);
    w.remove(efd);
    const p3 = w.wait();
    w.close();
    assert.deepEqual(await p3, []);
    await w.drained();
  } finally {
    w.close();
    closeFd(efd);
  }
  assert.equal(openFds(), before);
});

test("map creation errors keep errno and name the operation", (t) => {
  if (!requireRoot(t)) return;
  assert.throws(() => new RingBuffer("t_badring", 4096 * 3), /power of two/);
  assert.throws(() => hashMap("t_zero", 0, 8, 1), (e: unknown) => {
    assert.ok(e instanceof Error && "errno" in e && e.errno === 22);
    assert.match(e.message, /^bpf map create t_zero: EINVAL$/);
    return true;
  });
  void Size;
});

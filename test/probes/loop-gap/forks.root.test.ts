import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { requireRoot } from "../../helpers/root.js";
import { LoopGapProbe, type GapEvent } from "../../../src/probes/loop-gap/index.js";
import { Fixture, FIXTURES } from "./fixture.js";
import { assertBlocksReported, collect } from "./match.js";
import { PY_DIR, freePort, gatedSpawn, httpGet, stop } from "./tree.js";

const PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3";
const SYSTEM_PYTHON = "/usr/bin/python3"; // Debian's, with python3-uvicorn and gunicorn from apt

test("followForks: a block in a child of the target (sh -c 'python3 app.py; true') is reported with the child's pid", async (t) => {
  if (!requireRoot(t)) return;
  const cfg = JSON.stringify({ blocks: [{ ms: 50, how: "busy" }] });
  // `; true` keeps sh from exec'ing python: python is a forked child of the target.
  const f = new Fixture("/bin/sh", ["-c", 'read x; "$0" "$@"; true', PYTHON, join(FIXTURES, "blocker.py"), cfg]);
  const shPid = f.child.pid!; // spawned: it has a pid
  const probe = await LoopGapProbe.open({ pids: [shPid], thresholdNs: 30_000_000n, stats: false });
  try {
    assert.equal(probe.followsForks, true);
    const events = collect(probe.events());
    f.child.stdin?.write("start\n");
    const ready = await f.ready;
    assert.notEqual(ready.pid, shPid);
    assert.deepEqual(probe.targets(), [shPid, ready.pid].sort((a, b) => a - b));
    f.go();
    const truth = await f.done;
    probe.close();
    const got = await events;
    assertBlocksReported(got.filter((e) => e.pid === ready.pid), truth);
  } finally {
    probe.close();
    await probe.whenClosed();
    f.kill();
  }
});

test("followForks off: the child is not traced", async (t) => {
  if (!requireRoot(t)) return;
  const cfg = JSON.stringify({ blocks: [{ ms: 50, how: "busy" }] });
  const f = new Fixture("/bin/sh", ["-c", 'read x; "$0" "$@"; true', PYTHON, join(FIXTURES, "blocker.py"), cfg]);
  const probe = await LoopGapProbe.open({ pids: [f.child.pid!], thresholdNs: 30_000_000n, stats: false, followForks: false });
  try {
    assert.equal(probe.followsForks, false);
    const events = collect(probe.events());
    f.child.stdin?.write("start\n");
    await f.ready;
    f.go();
    await f.done;
    probe.close();
    assert.deepEqual(await events, []);
  } finally {
    probe.close();
    await probe.whenClosed();
    f.kill();
  }
});

test("followForks: two workers (multiprocessing fork, subprocess fork+exec) of a Python parent: each block with its worker's pid", async (t) => {
  if (!requireRoot(t)) return;
  const f = new Fixture(PYTHON, [join(PY_DIR, "workers.py"), JSON.stringify({ ms: [50, 70] })]);
  try {
    const ready = await f.ready;
    const probe = await LoopGapProbe.open({ pids: [ready.pid], thresholdNs: 30_000_000n, stats: false });
    try {
      const events = collect(probe.events());
      f.go();
      const truth = await f.done;
      probe.close();
      const got = await events;
      assert.equal(truth.length, 2);
      assertBlocksReported(got, truth);
      const pids = new Set(got.map((e) => e.pid));
      for (const b of truth) {
        assert.notEqual(b.tid, ready.pid);
        assert.ok(got.some((e) => e.tid === b.tid && e.pid === b.tid), `worker ${b.tid}: reported as its own process`);
      }
      assert.equal(pids.size, 2, `events from two worker processes: ${[...pids].join(", ")}`);
    } finally {
      probe.close();
      await probe.whenClosed();
    }
  } finally {
    f.kill();
  }
});

interface Truth {
  start_ns: number | string;
  end_ns: number | string;
  tid: number;
  pid: number;
}

function parseTruth(body: string): { startNs: bigint; endNs: bigint; tid: number; pid: number } {
  const o: unknown = JSON.parse(body);
  if (typeof o !== "object" || o === null || !("tid" in o)) throw new Error(`no truth in ${body}`);
  const r = o as Truth; // the app's own JSON: fields checked by use below
  return { startNs: BigInt(r.start_ns), endNs: BigInt(r.end_ns), tid: Number(r.tid), pid: Number(r.pid) };
}

/** Start a server through a gated shell, send `requests` blocking requests, check each block's event. */
async function serverScenario(args: (port: number) => string[], requests: number): Promise<void> {
  const port = await freePort();
  const probe = await LoopGapProbe.open({ pids: [], thresholdNs: 30_000_000n, stats: false });
  const server = gatedSpawn(SYSTEM_PYTHON, args(port), PY_DIR);
  let stderr = "";
  server.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const seen = new Set<number>();
  try {
    probe.addPid(server.pid!); // spawned: it has a pid
    const events = collect(probe.events());
    server.stdin?.write("start\n");
    let up = false;
    for (let i = 0; i < 150 && !up; i++) {
      up = (await httpGet(port, "/")) !== undefined;
      if (!up) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(up, `server did not answer: ${stderr}`);
    await new Promise((r) => setTimeout(r, 500)); // let every worker come up
    const truths = [];
    for (let i = 0; i < requests; i++) {
      const body = await httpGet(port, "/block");
      assert.ok(body !== undefined, `request ${i} failed: ${stderr}`);
      truths.push(parseTruth(body));
    }
    const targets = probe.targets();
    for (const p of targets) seen.add(p);
    probe.close();
    const got: GapEvent[] = await events;
    for (const b of truths) {
      assert.notEqual(b.pid, server.pid, "the handler ran in a worker, not the master");
      assert.ok(targets.includes(b.pid), `worker ${b.pid} in targets() ${targets.join(",")}`);
      const m = got.filter((e) => e.pid === b.pid && e.tid === b.tid && e.startNs <= b.startNs && b.endNs <= e.endNs);
      assert.equal(m.length, 1, `block of worker ${b.pid} [${b.startNs}, ${b.endNs}]: ${m.length} events of ${got.length}`);
      const over = m[0]!.endNs - m[0]!.startNs - (b.endNs - b.startNs); // length checked above
      assert.ok(over >= 0n && over < 10_000_000n, `event longer than the block by ${over} ns (request handling around it)`);
    }
  } finally {
    probe.close();
    await probe.whenClosed();
    await stop(server);
    for (const p of seen) if (p !== server.pid) try { process.kill(p, "SIGKILL"); } catch { /* already gone */ }
  }
}

test("followForks: uvicorn --workers 2 — a blocking handler is reported with the worker's pid", async (t) => {
  if (!requireRoot(t)) return;
  await serverScenario((port) => ["-m", "uvicorn", "--workers", "2", "--host", "127.0.0.1", "--port", String(port), "--log-level", "warning", "asgi_app:app"], 4);
});

test("followForks: gunicorn -w 2 -k uvicorn.workers.UvicornWorker — the same", async (t) => {
  if (!requireRoot(t)) return;
  await serverScenario((port) => ["-m", "gunicorn", "-w", "2", "-k", "uvicorn.workers.UvicornWorker", "--bind", `127.0.0.1:${port}`, "--log-level", "warning", "asgi_app:app"], 4);
});

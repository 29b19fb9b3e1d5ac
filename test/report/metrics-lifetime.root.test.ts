// The metrics endpoint of the CLI as Prometheus scrapes it, against a real target: a Python
// process whose loop threads block, then exit while the process lives on. A thread's series
// must neither vanish nor go backwards while its process is watched (metrics.ts, top comment).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { cliPath, repoRoot } from "../helpers/cli.js";
import { requireRoot } from "../helpers/root.js";
import { Running } from "../helpers/spawn.js";

const py = "/root/.pyenv/versions/3.12.1/bin/python3";
const fixture = path.join(repoRoot, "test/fixtures/metrics/thread_exit.py");

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => resolve(body));
    }).on("error", reject);
  });
}

/** Every sample of `family` (name_suffix{labels} value) whose labels include pid and tid. */
function samples(text: string, family: string, pid: number, tid: number): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`^(${family}(?:_bucket|_count|_sum|_total)?)\\{([^}]*)\\} (\\S+)$`, "gm");
  for (const m of text.matchAll(re)) {
    const labels = m[2] ?? "";
    if (!labels.includes(`pid="${pid}"`) || !labels.includes(`tid="${tid}"`)) continue;
    const le = /le="([^"]*)"/.exec(labels)?.[1];
    out.set(`${m[1] ?? ""}${le === undefined ? "" : `{le=${le}}`}`, Number(m[3]));
  }
  return out;
}

/** Every sample of `before` is still there in `after`, with a value at least as large. */
function assertKeptAndMonotonic(before: Map<string, number>, after: Map<string, number>, what: string): void {
  assert.ok(before.size > 0, `${what}: no series before`);
  for (const [k, v] of before) {
    const w = after.get(k);
    assert.ok(w !== undefined, `${what}: ${k} vanished`);
    assert.ok(w >= v, `${what}: ${k} went from ${v} to ${w}`);
  }
}

const line = (stdout: string, key: string, n: number) =>
  stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, number>).find((o) => o[key] === n);

test("metrics: a loop thread that blocked and exited keeps its series while its process lives; a new loop thread adds its own", async (t) => {
  if (!requireRoot(t)) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bs-metrics-"));
  const target = new Running("/usr/bin/chrt", ["--fifo", "10", py, fixture, dir]);
  const tool = new Running(process.execPath, [cliPath, String(target.pid), "-t", "50", "--json", "--metrics", "127.0.0.1:0"]);
  try {
    await tool.waitFor(/metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/);
    const url = /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(tool.stderr)?.[1] ?? "";
    await tool.waitFor(/watching pid/);

    fs.writeFileSync(path.join(dir, "go1"), "");
    await target.waitFor(/"blocked": 1/, 15_000, "stdout");
    await tool.waitFor(/"event_number":1/, 15_000, "stdout");
    const tid1 = line(target.stdout, "started", 1)?.["tid"] ?? 0;
    const truth1 = line(target.stdout, "blocked", 1);
    assert.ok(tid1 > 0 && tid1 !== target.pid && truth1 !== undefined, target.stdout);
    const event = JSON.parse(tool.stdout.split("\n")[0] ?? "{}") as { pid: number; tid: number; duration_ms: number };
    assert.equal(event.pid, target.pid);
    assert.equal(event.tid, tid1, "the block is the worker thread's");

    const live = await get(url);
    const gapBefore = samples(live, "blocksnoop_loop_gap_seconds", target.pid, tid1);
    const blocksBefore = samples(live, "blocksnoop_blocks", target.pid, tid1);
    const durBefore = samples(live, "blocksnoop_block_duration_seconds", target.pid, tid1);
    assert.equal(blocksBefore.get("blocksnoop_blocks_total"), 1, live);
    assert.equal(durBefore.get("blocksnoop_block_duration_seconds_bucket{le=0.1}"), 1, live);
    assert.ok((gapBefore.get("blocksnoop_loop_gap_seconds_count") ?? 0) >= 2, live);
    // the 80 ms block is in the kernel's (0.05, 0.1] bucket: cumulative counts step by one there
    const at = (m: Map<string, number>, le: string) => m.get(`blocksnoop_loop_gap_seconds_bucket{le=${le}}`) ?? NaN;
    assert.equal(at(gapBefore, "0.1") - at(gapBefore, "0.05"), 1, live);

    // The thread returns and is joined; the probe prunes its kernel entry within a second.
    fs.writeFileSync(path.join(dir, "exit1"), "");
    await target.waitFor(/"exited": 1/, 15_000, "stdout");
    assert.ok(!fs.existsSync(`/proc/${target.pid}/task/${tid1}`), "the thread is gone");
    await new Promise((r) => setTimeout(r, 2500));
    assert.ok(fs.existsSync(`/proc/${target.pid}`), "the process lives on");

    const exited = await get(url);
    assertKeptAndMonotonic(gapBefore, samples(exited, "blocksnoop_loop_gap_seconds", target.pid, tid1), "gap histogram of the exited thread");
    assertKeptAndMonotonic(blocksBefore, samples(exited, "blocksnoop_blocks", target.pid, tid1), "block counter of the exited thread");
    assertKeptAndMonotonic(durBefore, samples(exited, "blocksnoop_block_duration_seconds", target.pid, tid1), "block durations of the exited thread");

    // The process is still watched: a second loop thread blocks and gets its own series, the
    // first one's stay as they were.
    fs.writeFileSync(path.join(dir, "go2"), "");
    await target.waitFor(/"blocked": 2/, 15_000, "stdout");
    await tool.waitFor(/"event_number":2/, 15_000, "stdout");
    const tid2 = line(target.stdout, "started", 2)?.["tid"] ?? 0;
    const second = await get(url);
    assert.equal(samples(second, "blocksnoop_blocks", target.pid, tid2).get("blocksnoop_blocks_total"), 1, second);
    assert.ok((samples(second, "blocksnoop_loop_gap_seconds", target.pid, tid2).get("blocksnoop_loop_gap_seconds_count") ?? 0) >= 2, second);
    const gapExited = samples(exited, "blocksnoop_loop_gap_seconds", target.pid, tid1);
    assert.deepEqual(samples(second, "blocksnoop_loop_gap_seconds", target.pid, tid1), gapExited, "an exited thread's series stays flat");

    fs.writeFileSync(path.join(dir, "exit2"), "");
    fs.writeFileSync(path.join(dir, "end"), "");
    assert.equal((await target.exited).code, 0, target.stderr);
    assert.equal((await tool.exited).code, 0, tool.stderr);
  } finally {
    target.kill();
    tool.kill();
    fs.rmSync(dir, { recursive: true });
  }
});

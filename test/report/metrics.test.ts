import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { MetricsSink, renderGapHistogram, type GapSeries } from "../../src/report/metrics.js";
import type { BlockEvent } from "../../src/report/model.js";

function get(port: number, path: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers["content-type"]) }));
    }).on("error", reject);
  });
}

test("a histogram family in OpenMetrics text", () => {
  const text = renderGapHistogram("x", "help", [{ labels: { pid: "1" }, buckets: [{ le: 0.001, count: 3 }], count: 5, sumSeconds: 0.30425 }]);
  assert.match(text, /^# TYPE x histogram$/m);
  assert.match(text, /^x_bucket\{pid="1",le="0\.001"\} 3$/m);
  assert.match(text, /^x_bucket\{pid="1",le="\+Inf"\} 5$/m);
  assert.match(text, /^x_sum\{pid="1"\} 0\.30425$/m);
});

test("the endpoint serves OpenMetrics: block counts per process and thread, and the gap histogram", async () => {
  const sink = await MetricsSink.listen({
    host: "127.0.0.1",
    port: 0,
    dropped: () => 2,
    gaps: () => [{ labels: { pid: "10", tid: "11", thread: "py" }, buckets: [{ le: 0.001, count: 7 }], count: 9, sumSeconds: 0.5 }],
  });
  try {
    const e = { kind: "block", pid: 10, tid: 11, threadName: "py", durationMs: 120, container: null } as unknown as BlockEvent; // only the fields metrics read
    sink.block(e);
    sink.block(e);
    const r = await get(sink.address.port, "/metrics");
    assert.equal(r.status, 200);
    assert.match(r.type, /application\/openmetrics-text/);
    assert.match(r.body, /^blocksnoop_blocks_total\{pid="10",tid="11",thread="py",container_id=""\} 2$/m);
    assert.match(r.body, /^blocksnoop_block_duration_seconds_bucket\{le="0\.25",pid="10",tid="11",thread="py",container_id=""\} 2$/m);
    assert.match(r.body, /^blocksnoop_loop_gap_seconds_bucket\{pid="10",tid="11",thread="py",le="0\.001"\} 7$/m);
    assert.match(r.body, /^blocksnoop_events_dropped 2$/m);
    assert.match(r.body, /# EOF\n$/);
    assert.equal((await get(sink.address.port, "/nope")).status, 404);
  } finally {
    await sink.close();
  }
});

test("an address in use is one clear usage error", async () => {
  const a = await MetricsSink.listen({ host: "127.0.0.1", port: 0, dropped: () => 0, gaps: () => [] });
  try {
    await assert.rejects(MetricsSink.listen({ host: "127.0.0.1", port: a.address.port, dropped: () => 0, gaps: () => [] }), /--metrics: cannot listen on 127\.0\.0\.1:\d+: address in use/);
  } finally {
    await a.close();
  }
});

// Series lifetime (metrics.ts, top comment), with a fake kernel, clock and /proc.
interface Fake {
  sink: MetricsSink;
  gaps: GapSeries[];
  alive: Map<number, string>; // pid → identity (start time); absent = gone
  now: { ms: number };
  scrape(): Promise<string>;
}

async function fake(o: { retainGoneMs?: number; maxExitedThreads?: number } = {}): Promise<Fake> {
  const f = { gaps: [] as GapSeries[], alive: new Map<number, string>(), now: { ms: 0 } };
  const sink = await MetricsSink.listen({
    host: "127.0.0.1",
    port: 0,
    dropped: () => 0,
    gaps: () => f.gaps,
    identity: (pid) => f.alive.get(pid),
    nowMs: () => f.now.ms,
    ...o,
  });
  return { ...f, sink, scrape: async () => (await get(sink.address.port, "/metrics")).body };
}

const gap = (pid: number, tid: number, count: number, name = "loop"): GapSeries => ({
  labels: { pid: String(pid), tid: String(tid), thread: name },
  buckets: [{ le: 0.001, count: count - 1 }, { le: 0.1, count }],
  count,
  sumSeconds: count / 100,
});

/** The value of one sample line, or undefined when the series is not in the text. */
function value(text: string, line: string): number | undefined {
  const at = text.split("\n").find((l) => l.startsWith(`${line} `));
  return at === undefined ? undefined : Number(at.slice(line.length + 1));
}
const gapCount = (text: string, pid: number, tid: number, name = "loop") => value(text, `blocksnoop_loop_gap_seconds_count{pid="${pid}",tid="${tid}",thread="${name}"}`);
const blockCount = (text: string, pid: number, tid: number) => value(text, `blocksnoop_blocks_total{pid="${pid}",tid="${tid}",thread="loop",container_id=""}`);
const blockEvent = (pid: number, tid: number) => ({ kind: "block", pid, tid, threadName: "loop", durationMs: 80, container: null }) as unknown as BlockEvent; // only the fields metrics read

test("an exited thread's series keep their last values while its process lives, and stay flat", async () => {
  const f = await fake();
  try {
    f.alive.set(10, "100");
    f.gaps.push(gap(10, 11, 5), gap(10, 12, 3));
    f.sink.block(blockEvent(10, 11));
    let text = await f.scrape();
    assert.equal(gapCount(text, 10, 11), 5);
    f.gaps.splice(0, 2, gap(10, 12, 4)); // thread 11 exited: the kernel entry is gone
    text = await f.scrape();
    assert.equal(gapCount(text, 10, 11), 5, "kept");
    assert.equal(value(text, `blocksnoop_loop_gap_seconds_bucket{pid="10",tid="11",thread="loop",le="0.001"}`), 4);
    assert.equal(value(text, `blocksnoop_loop_gap_seconds_sum{pid="10",tid="11",thread="loop"}`), 0.05);
    assert.equal(blockCount(text, 10, 11), 1);
    assert.equal(gapCount(text, 10, 12), 4);
  } finally {
    await f.sink.close();
  }
});

test("a tid whose count goes down (reused after a prune) continues from its earlier total; labels stay as first served", async () => {
  const f = await fake();
  try {
    f.alive.set(10, "100");
    f.gaps.push(gap(10, 11, 5));
    await f.scrape();
    f.gaps.splice(0, 1, gap(10, 11, 2, "renamed"));
    const text = await f.scrape();
    assert.equal(gapCount(text, 10, 11), 7);
    assert.equal(value(text, `blocksnoop_loop_gap_seconds_bucket{pid="10",tid="11",thread="loop",le="0.1"}`), 7);
    assert.equal(gapCount(text, 10, 11, "renamed"), undefined, "no second series for one thread");
  } finally {
    await f.sink.close();
  }
});

test("a process that is gone: its series are served at least once more and for the retention time, then dropped (gaps and blocks)", async () => {
  const f = await fake({ retainGoneMs: 60_000 });
  try {
    f.alive.set(10, "100").set(20, "200");
    f.gaps.push(gap(10, 11, 5), gap(20, 20, 9));
    f.sink.block(blockEvent(10, 11));
    await f.scrape();
    f.alive.delete(10);
    f.gaps.splice(0, 1); // the probe removed the process's entries
    f.now.ms = 1_000_000; // long after: the final values are still served once
    let text = await f.scrape();
    assert.equal(gapCount(text, 10, 11), 5);
    assert.equal(blockCount(text, 10, 11), 1);
    f.now.ms += 59_000;
    text = await f.scrape();
    assert.equal(gapCount(text, 10, 11), 5, "within the retention time");
    f.now.ms += 1_000;
    text = await f.scrape();
    assert.equal(gapCount(text, 10, 11), undefined, "dropped");
    assert.equal(blockCount(text, 10, 11), undefined, "dropped");
    assert.equal(gapCount(text, 20, 20), 9, "the live process's series stay");
  } finally {
    await f.sink.close();
  }
});

test("retention 0: a gone process's final values are still served by one scrape", async () => {
  const f = await fake({ retainGoneMs: 0 });
  try {
    f.alive.set(10, "100");
    f.gaps.push(gap(10, 11, 5));
    f.sink.block(blockEvent(10, 11));
    await f.scrape();
    f.sink.block(blockEvent(10, 11)); // its last block, reported after it exited
    f.alive.delete(10);
    f.gaps.splice(0, 1);
    let text = await f.scrape();
    assert.equal(blockCount(text, 10, 11), 2);
    assert.equal(gapCount(text, 10, 11), 5);
    text = await f.scrape();
    assert.equal(blockCount(text, 10, 11), undefined);
    assert.equal(gapCount(text, 10, 11), undefined);
  } finally {
    await f.sink.close();
  }
});

test("a pid now held by another process: the old series go at once, the new process's start afresh", async () => {
  const f = await fake();
  try {
    f.alive.set(10, "100");
    f.gaps.push(gap(10, 10, 50));
    f.sink.block(blockEvent(10, 10));
    await f.scrape();
    f.alive.set(10, "555"); // another start time
    f.gaps.splice(0, 1, gap(10, 10, 2));
    const text = await f.scrape();
    assert.equal(gapCount(text, 10, 10), 2);
    assert.equal(blockCount(text, 10, 10), undefined);
  } finally {
    await f.sink.close();
  }
});

test("exited threads kept per live process are capped, the longest-exited dropped first", async () => {
  const f = await fake({ maxExitedThreads: 2 });
  try {
    f.alive.set(10, "100");
    for (const tid of [11, 12, 13]) {
      f.gaps.splice(0, f.gaps.length, gap(10, tid, 3));
      await f.scrape();
    }
    f.gaps.splice(0, f.gaps.length, gap(10, 14, 3));
    const text = await f.scrape();
    assert.deepEqual([11, 12, 13, 14].map((tid) => gapCount(text, 10, tid)), [undefined, 3, 3, 3]);
  } finally {
    await f.sink.close();
  }
});

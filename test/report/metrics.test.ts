import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { MetricsSink, renderGapHistogram } from "../../src/report/metrics.js";
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

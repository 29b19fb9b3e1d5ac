import { test } from "node:test";
import assert from "node:assert/strict";
import { trimTracing } from "../../src/cause/index.js";

test("kernel stacks start at the scheduler, not in our own tracing program", () => {
  const seen = ["bpf_prog_3ae6fa794b036b0a_rc_switch [bpf]", "bpf_trace_run4", "__traceiter_sched_switch", "__schedule", "schedule", "do_nanosleep"];
  assert.deepEqual(trimTracing(seen), ["__schedule", "schedule", "do_nanosleep"]);
  assert.deepEqual(trimTracing(["__schedule"]), ["__schedule"]);
});

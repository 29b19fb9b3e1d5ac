// Capabilities × sysctls: which combinations block BPF or stacks, and what the doctor says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { capabilityChecks, sysctlChecks, type SysctlReader } from "../../src/doctor/privileges.js";

const ALL = 0x1ffffffffffn;
const NONE = 0n;
const BPF_PERFMON = (1n << 39n) | (1n << 38n);
const sysctls = (t: Record<string, number>): SysctlReader => (p) => t[p.replace("/proc/sys/", "").replace(/\//g, ".")];
const statusOf = (caps: bigint, t: Record<string, number>): string[] => sysctlChecks(caps, sysctls(t)).map((c) => `${c.id}=${c.status}`);

test("capabilities: root passes; BPF+PERFMON passes with a ptrace warning; none fails", () => {
  assert.deepEqual(capabilityChecks(ALL).map((c) => c.status), ["ok", "ok"]);
  assert.deepEqual(capabilityChecks(BPF_PERFMON).map((c) => c.status), ["ok", "warn"]);
  const none = capabilityChecks(NONE);
  assert.deepEqual(none.map((c) => c.status), ["fail", "warn"]);
  assert.match(none[0]?.hint ?? "", /CAP_BPF \+ CAP_PERFMON/);
  assert.equal(capabilityChecks(undefined)[0]?.status, "warn");
});

test("sysctls do not matter to root", () => {
  const strict = { "kernel.unprivileged_bpf_disabled": 2, "kernel.perf_event_paranoid": 4, "kernel.yama.ptrace_scope": 2 };
  assert.deepEqual(statusOf(ALL, strict), ["unprivileged-bpf=ok", "perf-paranoid=ok", "ptrace-scope=ok"]);
});

test("an unprivileged user is warned about each gate", () => {
  assert.deepEqual(statusOf(NONE, { "kernel.unprivileged_bpf_disabled": 2, "kernel.perf_event_paranoid": 2, "kernel.yama.ptrace_scope": 1 }), [
    "unprivileged-bpf=warn",
    "perf-paranoid=warn",
    "ptrace-scope=warn",
  ]);
  assert.deepEqual(statusOf(NONE, { "kernel.perf_event_paranoid": -1, "kernel.yama.ptrace_scope": 0 }).slice(1), ["perf-paranoid=ok", "ptrace-scope=ok"]);
});

test("Yama: absent is fine, 3 blocks even root's stacks", () => {
  const absent = sysctlChecks(ALL, sysctls({}))[2];
  assert.equal(absent?.status, "ok");
  assert.match(absent?.detail ?? "", /Yama not enabled/);
  const locked = sysctlChecks(ALL, sysctls({ "kernel.yama.ptrace_scope": 3 }))[2];
  assert.equal(locked?.status, "warn");
  assert.match(locked?.hint ?? "", /reboot|--no-stacks/);
});

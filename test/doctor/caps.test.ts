// Capability decoding from /proc/PID/status (numbers from include/uapi/linux/capability.h).
import { test } from "node:test";
import assert from "node:assert/strict";
import { canTrace, hasCap, parseCapField, splitCaps } from "../../src/doctor/caps.js";

const ROOT_6_18 = "Name:\tcat\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n";

test("root on Linux 6.x has every capability the tool needs", () => {
  const m = parseCapField(ROOT_6_18);
  assert.equal(m, 0x1ffffffffffn);
  assert.ok(m !== undefined && canTrace(m) && hasCap(m, "SYS_PTRACE"));
});

test("an unprivileged user has none", () => {
  const m = parseCapField("CapEff:\t0000000000000000\n");
  assert.equal(m, 0n);
  assert.deepEqual(splitCaps(0n, ["BPF", "PERFMON", "SYS_ADMIN", "SYS_PTRACE"]), { have: [], missing: ["CAP_BPF", "CAP_PERFMON", "CAP_SYS_ADMIN", "CAP_SYS_PTRACE"] });
  assert.equal(canTrace(0n), false);
});

test("CAP_BPF + CAP_PERFMON without CAP_SYS_ADMIN can trace; either alone cannot", () => {
  const bpf = 1n << 39n;
  const perfmon = 1n << 38n;
  assert.equal(canTrace(bpf | perfmon), true);
  assert.equal(canTrace(bpf), false);
  assert.equal(canTrace(perfmon), false);
  assert.equal(canTrace(1n << 21n), true, "CAP_SYS_ADMIN covers both");
});

test("Docker's default set (CapEff 00000000a80425fb) has no BPF, PERFMON, SYS_ADMIN or SYS_PTRACE", () => {
  const m = parseCapField("CapEff:\t00000000a80425fb\n");
  assert.ok(m !== undefined);
  assert.deepEqual(splitCaps(m, ["BPF", "PERFMON", "SYS_ADMIN", "SYS_PTRACE"]).have, []);
});

test("a pod with add: [BPF, PERFMON, SYS_PTRACE] on top of Docker's default set", () => {
  const m = 0xa80425fbn | (1n << 39n) | (1n << 38n) | (1n << 19n);
  const status = `CapEff:\t${m.toString(16).padStart(16, "0")}\n`;
  const parsed = parseCapField(status);
  assert.ok(parsed !== undefined);
  assert.deepEqual(splitCaps(parsed, ["BPF", "PERFMON", "SYS_ADMIN", "SYS_PTRACE"]), { have: ["CAP_BPF", "CAP_PERFMON", "CAP_SYS_PTRACE"], missing: ["CAP_SYS_ADMIN"] });
});

test("a missing or malformed field is unknown, not zero", () => {
  assert.equal(parseCapField("Name:\tx\n"), undefined);
  assert.equal(parseCapField("CapEff:\tzz\n"), undefined);
  assert.equal(parseCapField(ROOT_6_18, "CapPrm"), 0x1ffffffffffn);
});

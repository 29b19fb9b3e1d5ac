// The checklist's text and JSON forms, the exit code, and the small /proc parsers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { doctorExitCode, fail, ok, warn } from "../../src/doctor/check.js";
import { renderJson, renderText } from "../../src/doctor/render.js";
import { isKernelThreadStat, parseLockdown, statusField } from "../../src/doctor/procfs.js";

const checks = [ok("kernel", "Linux 6.18.44"), warn("bpf-link", "no BPF links", "upgrade to ≥ 5.15"), fail("capabilities", "missing CAP_BPF", "run as root")];

test("text: aligned ids, one mark per status, hints under their check, a verdict", () => {
  assert.equal(
    renderText(checks),
    [
      "✓ kernel        Linux 6.18.44",
      "! bpf-link      no BPF links",
      "                → upgrade to ≥ 5.15",
      "✗ capabilities  missing CAP_BPF",
      "                → run as root",
      "",
      "not ready: 1 required check failed",
      "",
    ].join("\n"),
  );
  assert.match(renderText(checks.slice(0, 2)), /ready: everything blocksnoop needs works here \(1 warning\)\n$/);
});

test("json: {checks:[{id,status,detail,hint?}], ok}", () => {
  const v: unknown = JSON.parse(renderJson(checks));
  assert.deepEqual(v, {
    checks: [
      { id: "kernel", status: "ok", detail: "Linux 6.18.44" },
      { id: "bpf-link", status: "warn", detail: "no BPF links", hint: "upgrade to ≥ 5.15" },
      { id: "capabilities", status: "fail", detail: "missing CAP_BPF", hint: "run as root" },
    ],
    ok: false,
  });
  assert.deepEqual(JSON.parse(renderJson(checks.slice(0, 2))).ok, true);
});

test("exit code: 3 for a missing process, 5 for any failure, 0 with only warnings", () => {
  assert.equal(doctorExitCode(checks, true), 3);
  assert.equal(doctorExitCode(checks, false), 5);
  assert.equal(doctorExitCode(checks.slice(0, 2), false), 0);
});

test("kernel threads are told apart by PF_KTHREAD in /proc/PID/stat, even with odd comms", () => {
  assert.equal(isKernelThreadStat("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0"), true);
  assert.equal(isKernelThreadStat("812 (python3 (x) y) S 1 812 812 0 -1 4194560 9000 0 0 0 12 3 0 0 20 0 2 0"), false);
});

test("lockdown mode and status fields", () => {
  assert.equal(parseLockdown("none [integrity] confidentiality\n"), "integrity");
  assert.equal(parseLockdown("[none] integrity confidentiality\n"), "none");
  assert.equal(statusField("Name:\tpython3\nNSpid:\t4321\t7\n", "NSpid"), "4321\t7");
  assert.equal(statusField("Name:\tpython3\n", "NSpid"), undefined);
});

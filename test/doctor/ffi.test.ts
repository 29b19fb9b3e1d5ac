// A copy of the tool whose koffi lacks its prebuilt binary (as after `npm ci --omit=optional`):
// doctor reports the FFI with a fix and marks what it could not check, instead of crashing.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cliPath, repoRoot, runCli, copyBuild } from "../helpers/cli.js";

test("doctor without koffi's native module: ffi fails with the fix, exit 5, no crash", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "blocksnoop-noffi-"));
  try {
    copyBuild(tmp);
    fs.cpSync(path.join(repoRoot, "package.json"), path.join(tmp, "package.json"));
    for (const m of ["commander", "koffi"]) fs.cpSync(path.join(repoRoot, "node_modules", m), path.join(tmp, "node_modules", m), { recursive: true });
    const r = runCli(["doctor", "--json", String(process.pid)], { cwd: tmp, bin: path.join(tmp, path.relative(repoRoot, cliPath)) });
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.equal(r.stderr, "");
    const v: unknown = JSON.parse(r.stdout);
    const checks = typeof v === "object" && v !== null && "checks" in v && Array.isArray(v.checks) ? (v.checks as unknown[]) : assert.fail("checks");
    const byId = (id: string): Record<string, unknown> => {
      const c = checks.find((x): x is Record<string, unknown> => typeof x === "object" && x !== null && "id" in x && x.id === id);
      return c ?? assert.fail(`check ${id}`);
    };
    assert.equal(byId("ffi")["status"], "fail");
    assert.match(String(byId("ffi")["hint"]), new RegExp(`@koromix/koffi-linux-${process.arch}`));
    for (const id of ["bpf-program", "tracepoint-attach", "memory-access", "python"]) assert.equal(byId(id)["status"], "warn", id);
    assert.equal(byId("process")["status"], "ok", "checks without the FFI still run");
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

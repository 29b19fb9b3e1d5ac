// doctor against every CPython the machine provides (test/python/interpreters.ts: pyenv 3.8–3.13,
// Debian's static 3.11, 3.14 from Debian unstable): each reports the version the interpreter
// itself prints. Pythons older than 3.8 (pyenv 3.6/3.7 when present) are reported, not crashed on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { repoRoot, runCli } from "../helpers/cli.js";
import { requireRoot } from "../helpers/root.js";
import { interpreters } from "../python/interpreters.js";

const SCRIPT = "import sys, time; print('%d.%d.%d' % sys.version_info[:3], flush=True); time.sleep(60)";

async function doctorOn(python: string): Promise<{ version: string; status: string; detail: string; hint: string | undefined }> {
  const child = spawn(python, ["-c", SCRIPT], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const [chunk] = (await once(child.stdout, "data")) as [Buffer]; // 'data' carries one Buffer
    const r = runCli(["doctor", "--json", String(child.pid)], { cwd: repoRoot });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const v: unknown = JSON.parse(r.stdout);
    const checks = typeof v === "object" && v !== null && "checks" in v && Array.isArray(v.checks) ? (v.checks as unknown[]) : [];
    const py = checks.find((c): c is { status: string; detail: string; hint?: string } => typeof c === "object" && c !== null && "id" in c && c.id === "python");
    assert.ok(py !== undefined, "a python check");
    return { version: chunk.toString().trim(), status: py.status, detail: py.detail, hint: py.hint };
  } finally {
    child.kill("SIGKILL");
  }
}

test("doctor reports each supported interpreter's own version, stacks supported", async (t) => {
  if (!requireRoot(t)) return;
  for (const i of interpreters()) {
    const r = await doctorOn(i.path);
    assert.equal(r.status, "ok", `${i.label}: ${r.detail}`);
    assert.ok(r.detail.startsWith(`CPython ${r.version} `), `${i.label}: ${r.detail}`);
    assert.match(r.detail, /stacks supported$/);
  }
});

test("doctor on CPython 3.6/3.7: a warning that names the supported versions", async (t) => {
  if (!requireRoot(t)) return;
  const old = ["3.6.15", "3.7.16"].map((v) => `/root/.pyenv/versions/${v}/bin/python3`).filter((p) => existsSync(p));
  if (old.length === 0) return t.skip("no pyenv 3.6 or 3.7 on this machine");
  for (const p of old) {
    const r = await doctorOn(p);
    assert.equal(r.status, "warn", `${p}: ${r.detail}`);
    assert.match(`${r.detail} ${r.hint ?? ""}`, /3\.8–3\.14/, p);
  }
});

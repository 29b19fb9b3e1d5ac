// dump end to end on a live target: text, JSON, locals, and every clear error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { requireRoot } from "../helpers/root.js";
import { runDump, type DumpDocument } from "../../src/dump/index.js";
import { isToolError } from "../../src/errors.js";
import { fixture } from "../python/fixtures.js";
import { buildRoot } from "../helpers/cli.js";
import { interpreters, startTarget } from "../python/interpreters.js";

function capture(f: (out: (s: string) => void) => number): { code: number; text: string } {
  let text = "";
  const code = f((s) => (text += s));
  return { code, text };
}

test("dump prints every thread as a traceback with source lines; --json and --locals", async (t) => {
  if (!requireRoot(t)) return;
  for (const py of interpreters()) {
    await t.test(py.label, async () => {
      const target = await startTarget(py.path, fixture("stacks_target.py"), ["5"], { threads: 2 });
      try {
        const text = capture((o) => runDump({ pid: target.pid, json: false, locals: false }, o));
        assert.equal(text.code, 0);
        assert.match(text.text, new RegExp(`^Process ${target.pid}: Python 3\\.${py.minor}\\.\\d+, 2 threads`));
        assert.match(text.text, /Thread \d+ "MainThread"/);
        assert.match(text.text, /Traceback \(most recent call last\):/);
        assert.match(text.text, /in Outer\.Inner\.méthode_ünïcode\n {4}hold\.wait\(\)|in méthode_ünïcode\n {4}hold\.wait\(\)/);

        const json = capture((o) => runDump({ pid: target.pid, json: true, locals: true }, o));
        const doc = JSON.parse(json.text) as DumpDocument;
        assert.equal(doc.pid, target.pid);
        assert.match(doc.python, new RegExp(`^3\\.${py.minor}\\.\\d+$`));
        const worker = doc.threads.find((x) => x.name !== "MainThread");
        assert.ok(worker);
        const deepest = worker.frames.find((f) => f.function === "deep");
        assert.deepEqual(deepest?.locals, [{ name: "n", value: "0" }]);
        const m = worker.frames.find((f) => f.function.endsWith("méthode_ünïcode"));
        assert.equal(m?.source, "hold.wait()");
        assert.deepEqual(m?.locals?.map((l) => l.name), ["self", "n"]);
        assert.equal(m?.locals?.[0]?.value, "<Inner>");
        for (const th of doc.threads) for (const f of th.frames) assert.deepEqual(Object.keys(f).sort(), ["file", "function", "line", "locals", "source"]);
      } finally {
        await target.stop();
      }
    });
  }
});

function errorOf(f: () => unknown): { kind: string; message: string; hint: string | undefined } {
  try {
    f();
  } catch (e) {
    if (isToolError(e)) return { kind: e.kind, message: e.chain(), hint: e.hint };
    throw e;
  }
  throw new Error("expected a ToolError");
}

test("dump errors: process gone, not Python, permission denied", async (t) => {
  if (!requireRoot(t)) return;
  const gone = errorOf(() => runDump({ pid: 2 ** 22 + 12345, json: false, locals: false }, () => {}));
  assert.equal(gone.kind, "not-found");

  const sleeper = spawn("sleep", ["30"]);
  try {
    await new Promise((r) => setTimeout(r, 100));
    const notPy = errorOf(() => runDump({ pid: sleeper.pid ?? 0, json: false, locals: false }, () => {}));
    assert.equal(notPy.kind, "not-python");
    assert.match(notPy.message, /not a CPython process/);
  } finally {
    sleeper.kill();
  }

  // A CPython older than 3.8 is named and refused.
  const old = spawn("/root/.pyenv/versions/3.7.16/bin/python3", ["-c", "import sys; print('up', flush=True); sys.stdin.readline()"], { stdio: ["pipe", "pipe", "inherit"] });
  try {
    await new Promise((r) => old.stdout.once("data", r));
    const e = errorOf(() => runDump({ pid: old.pid ?? 0, json: true, locals: false }, () => {}));
    assert.equal(e.kind, "unsupported-python");
    assert.match(e.message, /Python 3\.7\.16 is not supported/);
  } finally {
    old.kill();
  }

  // Pythons without _PyRuntime are named from their files.
  for (const [py, v] of [["/root/.pyenv/versions/2.7.18/bin/python", "2.7"], ["/root/.pyenv/versions/3.6.15/bin/python3", "3.6"]] as const) {
    const c = spawn(py, ["-c", "import sys; sys.stdout.write('up\\n'); sys.stdout.flush(); sys.stdin.readline()"], { stdio: ["pipe", "pipe", "inherit"] });
    try {
      await new Promise((r) => c.stdout.once("data", r));
      const e = errorOf(() => runDump({ pid: c.pid ?? 0, json: false, locals: false }, () => {}));
      assert.equal(e.kind, "unsupported-python");
      assert.match(e.message, new RegExp(`Python ${v.replace(".", "\\.")} is not supported`));
    } finally {
      c.kill();
    }
  }

  // An unprivileged reader (nobody) looking at a root-owned Python process.
  const target = await startTarget(interpreters()[4]?.path ?? "python3", fixture("stacks_target.py"), ["2"], { threads: 2 });
  try {
    const script = `import("${buildRoot}/src/dump/index.js").then((m) => { try { m.runDump({ pid: ${target.pid}, json: false, locals: false }, () => {}); console.log("no error"); } catch (e) { console.log(JSON.stringify({ kind: e.kind, hint: e.hint })); } });`;
    const r = spawnSync(process.execPath, ["-e", script], { uid: 65534, gid: 65534, encoding: "utf8", cwd: "/" });
    const got = JSON.parse(r.stdout.trim()) as { kind: string; hint?: string };
    assert.equal(got.kind, "permission");
    assert.match(got.hint ?? "", /CAP_SYS_PTRACE/);
  } finally {
    await target.stop();
  }
});
